using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiler.Symbolization.ReadyToRun;

namespace OdigosUi.Profiler.Tests;

public sealed class ReadyToRunCacheTests
{
    private static readonly string Runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    [Fact]
    public void An_image_is_parsed_once_per_file_and_a_file_that_is_not_one_is_remembered_as_such()
    {
        var cache = new ReadyToRunCache();
        var coreLib = new FileIdentity("fd:01", 1);
        var notImage = new FileIdentity("fd:01", 2);

        var first = cache.Get(coreLib, Path.Combine(Runtime, "System.Private.CoreLib.dll"));
        var again = cache.Get(coreLib, "/not/opened/when/cached");
        Assert.Null(cache.Get(notImage, typeof(ReadyToRunCacheTests).Assembly.Location, Path.Combine(Runtime, "System.Private.CoreLib.dll")));
        Assert.Null(cache.Get(notImage, Path.Combine(Runtime, "System.Private.CoreLib.dll")));

        Assert.NotNull(first);
        Assert.Same(first, again);
        Assert.Equal(2, cache.Parses);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Evicts_the_least_recently_used_images_beyond_its_byte_bound_counting_the_names_decoded_since()
    {
        string[] files = ["System.Private.CoreLib.dll", "System.Text.Json.dll", "System.Linq.dll"];
        var sizes = files.Select(f => ReadyToRunImage.TryOpen(Path.Combine(Runtime, f), out var image) ? image!.EstimatedBytes : 0).ToArray();
        Assert.All(sizes, size => Assert.True(size > 0));
        var cache = new ReadyToRunCache(maxBytes: sizes[0] + sizes[1] + 4096);

        var coreLib = cache.Get(new FileIdentity("fd:01", 1), Path.Combine(Runtime, files[0]));
        Assert.NotNull(cache.Get(new FileIdentity("fd:01", 2), Path.Combine(Runtime, files[1])));
        Assert.Equal(2, cache.Count);
        var method = coreLib!.ReadMethods()[0];
        Assert.NotNull(coreLib.FindName(method.EntryRva));
        Assert.True(coreLib.EstimatedBytes > sizes[0], "a decoded name is counted");

        Assert.NotNull(cache.Get(new FileIdentity("fd:01", 3), Path.Combine(Runtime, files[2])));
        Assert.True(cache.Bytes <= cache.MaxBytes, $"{cache.Bytes} > {cache.MaxBytes}");
        var parses = cache.Parses;
        Assert.NotNull(cache.Get(new FileIdentity("fd:01", 1), Path.Combine(Runtime, files[0])));
        Assert.Equal(parses + 1, cache.Parses);
    }
}
