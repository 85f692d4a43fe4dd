using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Tests;

public sealed class PerfMapTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"perf-test-{Guid.NewGuid():N}.map");

    [Fact]
    public void Reads_only_what_was_appended_and_leaves_an_unfinished_line_for_the_next_read()
    {
        File.WriteAllText(_path, "1000 10 uint64 [app] A::First()[QuickJitted]\n");
        var map = new PerfMap(_path);

        Assert.True(map.Refresh());
        Assert.Equal("A.First()", map.Find(0x1008));
        Assert.Null(map.Find(0x2008));
        var afterFirst = map.BytesRead;
        Assert.Equal(new FileInfo(_path).Length, afterFirst);
        Assert.False(map.Refresh());

        File.AppendAllText(_path, "2000 10 uint64 [app] A::Second()[QuickJitted]\n3000 10 uint64 [app] A::Thi");
        Assert.True(map.Refresh());
        Assert.Equal("A.Second()", map.Find(0x2008));
        Assert.Null(map.Find(0x3008));
        Assert.Equal(2, map.Reads);
        Assert.True(map.BytesRead > afterFirst && map.BytesRead < new FileInfo(_path).Length);

        File.AppendAllText(_path, "rd()[OptimizedTier1]\n");
        Assert.True(map.Refresh());
        Assert.Equal("A.Third()", map.Find(0x3008));
        Assert.Equal("A.First()", map.Find(0x1008));
    }

    [Fact]
    public void A_later_line_for_the_same_address_wins_also_after_segments_are_merged()
    {
        File.WriteAllText(_path, "1000 10 A::Old()\n");
        var map = new PerfMap(_path);
        map.Refresh();
        for (var i = 0; i < 6; i++)
        {
            File.AppendAllText(_path, $"{0x5000 + i * 0x100:x} 10 B::M{i}()\n");
            map.Refresh();
        }

        File.AppendAllText(_path, "1000 10 A::New()\n");
        map.Refresh();

        Assert.Equal("A::New()", map.Find(0x1004));
        Assert.Equal("B::M5()", map.Find(0x5504));
        Assert.Equal(8, map.Count);
    }

    [Fact]
    public void A_truncated_map_is_read_again_from_the_start_and_a_missing_one_reads_nothing()
    {
        File.WriteAllText(_path, "1000 10 A::Long()\n2000 10 A::Longer()\n");
        var map = new PerfMap(_path);
        map.Refresh();
        File.WriteAllText(_path, "4000 10 C::Fresh()\n");

        Assert.True(map.Refresh());
        Assert.Equal("C::Fresh()", map.Find(0x4000));
        Assert.Null(map.Find(0x1000));

        File.Delete(_path);
        Assert.False(map.Refresh());
    }

    public void Dispose() => File.Delete(_path);
}
