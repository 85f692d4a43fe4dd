using OdigosUi.Resources.Catalog;
using OdigosUi.Resources.Model;

namespace OdigosUi.Resources.Tests;

public sealed class DestinationCatalogTests
{
    private readonly DestinationCatalog _catalog = DestinationCatalog.LoadEmbedded();

    [Fact]
    public void The_three_types_load()
    {
        Assert.Equal(["otlp", "otlphttp", "pyroscope"], _catalog.Types.Select(t => t.Type).Order(StringComparer.Ordinal));
        Assert.All(_catalog.Types, t => Assert.Equal(DestinationCategories.SelfHosted, t.Metadata.Category));
        Assert.All(_catalog.Types, t => Assert.True(t.Spec.TestConnectionSupported));
        Assert.Null(_catalog.Find("PYROSCOPE"));
        Assert.Null(_catalog.Find(null));
    }

    [Fact]
    public void Pyroscope_is_profiles_only_with_url_tls_auth_and_tenant()
    {
        var pyroscope = _catalog.Find("pyroscope")!;
        Assert.Equal("Pyroscope", pyroscope.DisplayName);
        Assert.Equal([ObservabilitySignal.Profiles], pyroscope.SupportedSignals);

        var url = pyroscope.FindField("PYROSCOPE_URL")!;
        Assert.Equal(ComponentTypes.Input, url.ComponentType);
        Assert.Equal("text", url.ComponentProps.Type);
        Assert.True(url.Required);
        Assert.Equal("host:port", url.ComponentProps.Placeholder);
        Assert.False(string.IsNullOrEmpty(url.ComponentProps.Tooltip));
        Assert.False(url.Secret);

        var tls = pyroscope.FindField("PYROSCOPE_TLS_ENABLED")!;
        Assert.Equal(ComponentTypes.Checkbox, tls.ComponentType);
        Assert.Equal("false", tls.InitialValue);
        Assert.False(tls.Required);
        Assert.Equal(2, tls.CustomReadDataLabels!.Count);

        Assert.False(pyroscope.FindField("PYROSCOPE_BASIC_AUTH_USERNAME")!.Secret);
        var password = pyroscope.FindField("PYROSCOPE_BASIC_AUTH_PASSWORD")!;
        Assert.True(password.Secret);
        Assert.Equal("password", password.ComponentProps.Type);
        Assert.False(password.Required);
        Assert.False(pyroscope.FindField("PYROSCOPE_TENANT_ID")!.Required);
    }

    [Fact]
    public void Otlp_http_fields()
    {
        var otlphttp = _catalog.Find("otlphttp")!;
        Assert.Equal(ObservabilitySignal.All, otlphttp.SupportedSignals);
        Assert.True(otlphttp.FindField("OTLP_HTTP_ENDPOINT")!.Required);
        Assert.False(otlphttp.FindField("OTLP_HTTP_PROFILES_ENDPOINT")!.Required);
        Assert.Equal(ComponentTypes.KeyValuePairs, otlphttp.FindField("OTLP_HTTP_HEADERS")!.ComponentType);
        var compression = otlphttp.FindField("OTLP_HTTP_COMPRESSION")!;
        Assert.Equal(ComponentTypes.Dropdown, compression.ComponentType);
        Assert.Equal(["gzip", "none"], compression.ComponentProps.Values);
    }

    [Fact]
    public void Otlp_grpc_fields()
    {
        var otlp = _catalog.Find("otlp")!;
        Assert.Equal("OTLP gRPC", otlp.DisplayName);
        Assert.Equal(ObservabilitySignal.All, otlp.SupportedSignals);
        Assert.True(otlp.FindField("OTLP_GRPC_ENDPOINT")!.Required);
        Assert.Equal(ComponentTypes.Checkbox, otlp.FindField("OTLP_GRPC_TLS_ENABLED")!.ComponentType);
        Assert.Equal(ComponentTypes.KeyValuePairs, otlp.FindField("OTLP_GRPC_HEADERS")!.ComponentType);
    }

    [Fact]
    public void Odigos_catalog_yaml_parses_including_renderCondition_and_hideFromReadData()
    {
        var definition = DestinationCatalog.Parse("""
            apiVersion: internal.odigos.io/v1beta1
            kind: Destination
            metadata:
              type: custom
              displayName: Custom
              category: managed
            spec:
              image: custom.svg
              signals:
                traces:
                  supported: true
              fields:
                - name: TLS
                  displayName: TLS
                  componentType: checkbox
                  initialValue: false
                - name: CA
                  displayName: CA
                  componentType: textarea
                  renderCondition: ["TLS", "==", "true"]
                  hideFromReadData: ["true"]
                - name: PORT
                  displayName: Port
                  componentType: input
                  componentProps:
                    type: number
            """);
        Assert.Equal("managed", definition.Metadata.Category);
        Assert.Equal([ObservabilitySignal.Traces], definition.SupportedSignals);
        Assert.Equal(["TLS", "==", "true"], definition.FindField("CA")!.RenderCondition);
        Assert.Equal(["true"], definition.FindField("CA")!.HideFromReadData);
        Assert.Equal("false", definition.FindField("TLS")!.InitialValue);
        Assert.False(definition.Spec.TestConnectionSupported);
    }

    [Theory]
    [InlineData("metadata: {displayName: x}")]
    [InlineData("metadata: {type: x}\nspec: {fields: [{name: A, componentType: slider}]}")]
    [InlineData("metadata: {type: x}\nspec: {fields: [{name: A, componentType: dropdown}]}")]
    [InlineData("metadata: {type: x}\nspec: {fields: [{name: A}, {name: A}]}")]
    [InlineData("metadata: {type: x}\nspec: {fields: [{name: A, renderCondition: [B, '~=', c]}]}")]
    [InlineData("metadata: [unclosed")]
    public void Invalid_definitions_are_refused(string yaml) =>
        Assert.Throws<InvalidDataException>(() => DestinationCatalog.Parse(yaml));
}
