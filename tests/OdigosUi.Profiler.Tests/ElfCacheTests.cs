using OdigosUi.Profiler.Symbolization;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

public sealed class ElfCacheTests
{
    [Fact]
    public void A_file_mapped_by_many_processes_is_parsed_once_and_copies_with_the_same_build_id_share_one_table()
    {
        var program = NativeTestProgram.Instance;
        var copy = Path.Combine(program.Directory, "hot-known-id-copy");
        File.Copy(program.PathWithKnownBuildId, copy, overwrite: true);
        var cache = new ElfCache();

        var first = cache.Get(new FileIdentity("fd:01", 1), program.PathWithKnownBuildId);
        var again = cache.Get(new FileIdentity("fd:01", 1), "/nonexistent/path/is/not/opened/again");
        var otherInode = cache.Get(new FileIdentity("fd:01", 2), copy);

        Assert.NotNull(first);
        Assert.Same(first, again);
        Assert.Same(first, otherInode);
        Assert.Equal(2, cache.Parses);
        Assert.Equal(2, cache.Count);
        Assert.Equal(first.EstimatedBytes, cache.Bytes);
    }

    [Fact]
    public void Evicts_the_least_recently_used_files_beyond_its_byte_bound_and_caches_files_that_are_not_elf()
    {
        var program = NativeTestProgram.Instance;
        var third = Path.Combine(program.Directory, "hot-third-id");
        OdigosDemo.NativeDemo.Compile(third, "fedcba9876543210fedcba9876543210fedcba98");
        string[] files = [program.Path, program.PathWithKnownBuildId, third];
        var size = ElfFile.Open(program.Path).EstimatedBytes;
        var cache = new ElfCache(maxBytes: size * 2 + size / 2);

        for (var i = 0; i < files.Length; i++)
        {
            Assert.NotNull(cache.Get(new FileIdentity("fd:01", (ulong)i + 1), files[i]));
        }

        Assert.Equal(2, cache.Count);
        Assert.True(cache.Bytes <= cache.MaxBytes, $"{cache.Bytes} > {cache.MaxBytes}");
        var parses = cache.Parses;
        cache.Get(new FileIdentity("fd:01", 3), "/not/read/when/cached");
        Assert.Equal(parses, cache.Parses);
        Assert.NotNull(cache.Get(new FileIdentity("fd:01", 1), files[0]));
        Assert.Equal(parses + 1, cache.Parses);

        var notElf = new FileIdentity("fd:01", 99);
        Assert.Null(cache.Get(notElf, Path.Combine(program.Directory, "hot.c")));
        parses = cache.Parses;
        Assert.Null(cache.Get(notElf, Path.Combine(program.Directory, "hot.c")));
        Assert.Equal(parses, cache.Parses);
    }
}
