using System.Runtime.InteropServices;
using OdigosUi.Profiler.Otlp;
using OdigosUi.Profiler.Sampling;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Tests;

public sealed class ParsingTests
{
    [Fact]
    public void Parses_proc_self_maps_and_finds_the_mapping_of_a_libc_function()
    {
        var maps = ProcessMaps.ReadSelf();
        var getpid = (ulong)NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "getpid");

        var mapping = maps.Find(getpid);

        Assert.NotNull(mapping);
        Assert.Contains("libc", mapping.Path, StringComparison.Ordinal);
        Assert.True(mapping.IsExecutable);
        Assert.True(mapping.IsFileBacked);
        Assert.Contains(maps.Mappings, m => m.Path == "[stack]" && !m.IsFileBacked);
    }

    [Fact]
    public void Parses_a_maps_line_with_spaces_in_the_path()
    {
        Assert.True(ProcessMaps.TryParseLine("7f00a000-7f00b000 r-xp 00002000 fd:01 123456                     /opt/my app/lib.so (deleted)", out var m));
        Assert.Equal(new MemoryMapping(0x7f00a000, 0x7f00b000, "r-xp", 0x2000, "fd:01", 123456, "/opt/my app/lib.so (deleted)"), m);
        Assert.True(ProcessMaps.TryParseLine("7ffd1000-7ffd3000 rw-p 00000000 00:00 0", out var anonymous));
        Assert.Equal("", anonymous.Path);
        Assert.False(ProcessMaps.TryParseLine("garbage", out _));
    }

    [Fact]
    public void Reads_a_perf_map_and_shortens_dotnet_names_so_every_tier_of_a_method_is_one_frame()
    {
        var table = PerfMap.Parse(
            "7f0010001000 40 uint64 [odigos-demo] OdigosDemo.Checkout::HashLoop(uint64,int32)[OptimizedTier1]\n"
            + "0x7f0010002000 0x20 instance int32 C::Hot()\nbad line\n7f0010003000 10 stub<1> AllocateTemporaryEntryPoints<PreJIT>\n");

        Assert.Equal(3, table.Count);
        Assert.Equal("OdigosDemo.Checkout.HashLoop(uint64,int32)", table.Find(0x7f001000103f)?.Name);
        Assert.Equal("instance int32 C::Hot()", table.Find(0x7f0010002010)?.Name);
        Assert.Equal("stub<1> AllocateTemporaryEntryPoints<PreJIT>", table.Find(0x7f0010003000)?.Name);
        Assert.Null(table.Find(0x7f0010001040));
    }

    [Theory]
    [InlineData("uint64 [odigos-demo] OdigosDemo.Checkout::ComputeTax(int32)[QuickJitted]", "OdigosDemo.Checkout.ComputeTax(int32)")]
    [InlineData("uint64 [odigos-demo] OdigosDemo.Checkout::HashLoop(uint64,int32)[OptimizedTier1OSR]", "OdigosDemo.Checkout.HashLoop(uint64,int32)")]
    [InlineData("instance void [odigos-demo] Program+<>c__DisplayClass0_0::.ctor()[QuickJitted]", "Program+<>c__DisplayClass0_0..ctor()")]
    [InlineData("!0 [System.Private.CoreLib] System.RuntimeType+IGenericCacheEntry`1[System.__Canon]::CreateAndCache(class System.RuntimeType)[QuickJitted]",
        "System.RuntimeType+IGenericCacheEntry`1[System.__Canon].CreateAndCache(class System.RuntimeType)")]
    [InlineData("valuetype System.Runtime.CompilerServices.StaticsHelpers/ThreadLocalData* [System.Private.CoreLib] System.Threading.Thread::GetThreadStaticsBase()[QuickJitted]",
        "System.Threading.Thread.GetThreadStaticsBase()")]
    [InlineData("stub<1> AllocateTemporaryEntryPoints<PreJIT>", "stub<1> AllocateTemporaryEntryPoints<PreJIT>")]
    [InlineData("LazyCompile:*fib /app/index.js:3", "LazyCompile:*fib /app/index.js:3")]
    public void Dotnet_perf_map_names_lose_return_type_assembly_and_tier(string raw, string expected)
    {
        Assert.Equal(expected, DotnetFrameName.Normalize(raw));
    }

    [Fact]
    public void Kernel_symbols_resolve_by_address_and_hidden_addresses_stay_unresolved()
    {
        var symbols = KernelSymbols.Parse("ffffffff81000000 T _stext\nffffffff81000100 t do_thing\nffffffff81000200 D some_data\nffffffffa0000000 t mod_fn\t[mymod]\n");
        Assert.True(symbols.Available);
        Assert.Equal("_stext", symbols.Resolve(0xffffffff81000010));
        Assert.Equal("do_thing", symbols.Resolve(0xffffffff81000150));
        Assert.Equal("mod_fn", symbols.Resolve(0xffffffffa0000004));
        Assert.Null(symbols.Resolve(0x1000));

        var hidden = KernelSymbols.Parse("0000000000000000 T _stext\n0000000000000000 t do_thing\n");
        Assert.False(hidden.Available);
        Assert.Equal(2, hidden.LineCount);
        Assert.Null(hidden.Resolve(0xffffffff81000010));

        var real = KernelSymbols.Read();
        Assert.True(real.LineCount > 0);
    }

    [Fact]
    public void Splits_a_callchain_into_kernel_and_user_frames()
    {
        ulong[] chain = [Callchain.ContextKernel, 0xffffffff81000010, 0xffffffff81000020, Callchain.ContextUser, 0x401000, 0x401100];
        List<ulong> kernel = [], user = [];

        Callchain.Split(chain, kernel, user);

        Assert.Equal([0xffffffff81000010UL, 0xffffffff81000020UL], kernel);
        Assert.Equal([0x401000UL, 0x401100UL], user);
    }

    [Fact]
    public void Parses_online_cpu_lists_and_container_ids()
    {
        Assert.Equal([0, 1, 2, 3, 5, 7, 8], OnlineCpus.Parse("0-3,5,7-8\n"));
        Assert.NotEmpty(OnlineCpus.Read());

        var id = new string('a', 32) + new string('0', 32);
        Assert.Equal(id, ProcessInfo.ParseContainerId($"0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-{id}.scope\n"));
        Assert.Equal(id, ProcessInfo.ParseContainerId($"12:cpu:/docker/{id}\n"));
        Assert.Null(ProcessInfo.ParseContainerId("0::/user.slice/user-0.slice/session-1.scope\n"));
    }

    [Theory]
    [InlineData("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod4f3c2c1e_1111_2222_3333_444455556666.slice/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n", "4f3c2c1e-1111-2222-3333-444455556666")]
    [InlineData("8:pids:/kubepods/burstable/pod4f3c2c1e-1111-2222-3333-444455556666/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n0::/\n", "4f3c2c1e-1111-2222-3333-444455556666")]
    [InlineData("0::/kubepods/pod4f3c2c1e-1111-2222-3333-444455556666\n", "4f3c2c1e-1111-2222-3333-444455556666")]
    [InlineData("0::/kubepods.slice/kubepods-pod4f3c2c1e_1111_2222_3333_444455556666.slice\n", "4f3c2c1e-1111-2222-3333-444455556666")]
    [InlineData("0::/user.slice/user-0.slice/session-1.scope\n", null)]
    [InlineData("0::/system.slice/podman-4f3c2c1e-1111-2222-3333-444455556666.scope\n", null)]
    public void Reads_the_pod_uid_from_either_cgroup_driver(string cgroup, string? podUid)
    {
        Assert.Equal(podUid, ProcessInfo.ParsePodUid(cgroup));
    }
}
