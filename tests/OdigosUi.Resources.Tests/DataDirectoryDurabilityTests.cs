using OdigosUi.Resources.Model;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Tests;

/// <summary>The embedded store holds its data folder exclusively and flushes folders after renames.</summary>
public sealed class DataDirectoryDurabilityTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_second_store_on_the_same_folder_fails_with_a_clear_message_until_the_first_is_gone()
    {
        var first = new EmbeddedResourceStore(_dir.Path);
        await first.CreateAsync(new Source
        {
            Metadata = { Name = "s", Namespace = "default" },
            Spec = { Workload = new() { Name = "checkout", Namespace = "default", Kind = "Deployment" } },
        });

        var error = Assert.Throws<IOException>(() => new EmbeddedResourceStore(_dir.Path));
        Assert.Contains(_dir.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("in use by another odigos-ui process", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);

        first.Dispose();
        using var second = new EmbeddedResourceStore(_dir.Path);
        Assert.Single(await second.ListAsync<Source>());
    }

    [Fact]
    public void Flushing_a_folder_opens_it_as_a_directory()
    {
        DirectorySync.Flush(_dir.Path);
        if (OperatingSystem.IsLinux())
        {
            // O_DIRECTORY: a file or a missing path is refused, so the flags passed to open(2) are the right ones.
            string file = Path.Combine(_dir.Path, "file");
            File.WriteAllText(file, "x");
            Assert.Throws<IOException>(() => DirectorySync.Flush(file));
            Assert.Throws<IOException>(() => DirectorySync.Flush(Path.Combine(_dir.Path, "missing")));
        }
    }
}
