using OdigosUi.Resources.Model;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Tests;

/// <summary>Kubernetes name rules: a whole-string match, so a trailing newline (which <c>$</c> would let through) is refused.</summary>
public sealed class ResourceNamesTests
{
    [Theory]
    [InlineData("odigos.io.dest.pyroscope-x7k2p", true)]
    [InlineData("a", true)]
    [InlineData("odigos.io.dest.pyroscope-x7k2p\n", false)]
    [InlineData("a\n", false)]
    [InlineData("a\r\n", false)]
    [InlineData("\na", false)]
    [InlineData("A", false)]
    [InlineData("-a", false)]
    public void Object_names_match_as_a_whole(string name, bool valid) => Assert.Equal(valid, ResourceNames.IsValidName(name));

    [Theory]
    [InlineData("odigos-system", true)]
    [InlineData("odigos-system\n", false)]
    [InlineData("default\n", false)]
    [InlineData("a.b", false)]
    public void Namespaces_match_as_a_whole(string value, bool valid) => Assert.Equal(valid, ResourceNames.IsValidNamespace(value));

    [Theory]
    [InlineData("checkout", true)]
    [InlineData("", true)]
    [InlineData("checkout\n", false)]
    [InlineData("check_out.v1", true)]
    public void Label_values_match_as_a_whole(string value, bool valid) => Assert.Equal(valid, ResourceNames.IsValidLabelValue(value));

    [Fact]
    public async Task The_store_refuses_a_name_with_a_trailing_newline()
    {
        using var store = new EmbeddedResourceStore(null);
        var destination = new Destination
        {
            Metadata = { Name = "dest\n", Namespace = ResourceOptions.DefaultNamespace },
            Spec = new DestinationSpec { Type = "pyroscope", DestinationName = "p", Signals = [ObservabilitySignal.Profiles] },
        };
        await Assert.ThrowsAsync<ResourceInvalidException>(() => store.CreateAsync(destination));
        Assert.Empty(await store.ListAsync<Destination>(ResourceOptions.DefaultNamespace));
    }

    [Fact]
    public void A_source_reference_with_a_trailing_newline_is_refused()
    {
        var errors = SourceService.Validate("default\n", "Deployment", "checkout");
        Assert.Contains("namespace", errors.Keys);
    }
}
