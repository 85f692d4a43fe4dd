using OdigosUi.Profiler.Runtimes;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Tests;

/// <summary>HotSpot perf map names (lines captured from <c>jcmd PID Compiler.perfmap</c> of OpenJDK 17.0.15) as frames name them.</summary>
public sealed class JvmFrameNameTests
{
    [Theory]
    [InlineData("long Hot.spinJava(long)", "Hot.spinJava")]
    [InlineData("void Hot.callerJava()", "Hot.callerJava")]
    [InlineData("void java.lang.Object.<init>()", "java.lang.Object.<init>")]
    [InlineData("int[] Mix$Inner.twice(int[])", "Mix$Inner.twice")]
    [InlineData("int Mix.lambda$main$1(java.lang.Integer)", "Mix.lambda$main$1")]
    [InlineData("java.lang.Object Mix$$Lambda$1/0x00007f2efc000c18.apply(java.lang.Object)", "Mix$$Lambda$1/0x00007f2efc000c18.apply")]
    [InlineData("java.lang.Object java.lang.invoke.DirectMethodHandle$Holder.invokeStatic(java.lang.Object, java.lang.Object, long)", "java.lang.invoke.DirectMethodHandle$Holder.invokeStatic")]
    [InlineData("java.util.concurrent.ConcurrentHashMap$Node java.util.concurrent.ConcurrentHashMap.tabAt(java.util.concurrent.ConcurrentHashMap$Node[], int)", "java.util.concurrent.ConcurrentHashMap.tabAt")]
    [InlineData("Interpreter", "Interpreter")]
    [InlineData("StubRoutines (1)", "StubRoutines (1)")]
    [InlineData("I2C/C2I adapters", "I2C/C2I adapters")]
    [InlineData("unwind_exception Runtime1 stub", "unwind_exception Runtime1 stub")]
    [InlineData("NullPointerException at call throw_exception", "NullPointerException at call throw_exception")]
    [InlineData("_new_array_Java", "_new_array_Java")]
    public void Names_a_compiled_method_by_its_class_and_method_and_keeps_stub_names(string perfMapName, string frameName) =>
        Assert.Equal(frameName, HotSpotFrameName.Normalize(perfMapName));

    [Fact]
    public void A_jvm_perf_map_reads_hex_starts_and_sizes_and_names_every_tier_of_a_method_alike()
    {
        var table = PerfMap.Parse(
            """
            0x00007f5518ec7620 0x00000000000000d8 long Hot.spinJava(long)
            0x00007f5511400ec0 0x0000000000000210 long Hot.spinJava(long)
            0x00007f55114017c0 0x0000000000000200 void Hot.callerJava()
            0x00007f5518940b80 0x0000000000017de0 Interpreter
            """,
            ProcessRuntime.Jvm);

        Assert.Equal("Hot.spinJava", table.FindName(0x00007f5518ec7620 + 0xd7));
        Assert.Equal("Hot.spinJava", table.FindName(0x00007f5511400ec0));
        Assert.Equal("Hot.callerJava", table.FindName(0x00007f55114017c0 + 0x100));
        Assert.Equal("Interpreter", table.FindName(0x00007f5518940b80 + 0x17000));
    }

    [Fact]
    public void Other_runtimes_perf_maps_keep_their_own_names() =>
        Assert.Equal("long Hot.spinJava(long)", PerfMap.Parse("0x1000 0x10 long Hot.spinJava(long)\n").FindName(0x1000));
}
