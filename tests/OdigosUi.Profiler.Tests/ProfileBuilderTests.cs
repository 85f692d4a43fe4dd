using System.Text;
using Google.Protobuf;
using OdigosUi.Profiler.Otlp;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Profiler.Tests;

public sealed class ProfileBuilderTests
{
    [Fact]
    public void Builds_a_valid_request_per_process_with_leaf_first_stacks_and_frame_types()
    {
        var binary = new FrameMapping("/usr/bin/app", 0x400000, 0x401000, 0, "abcd");
        var jit = new FrameMapping("", 0x7f0000000000, 0x7f0000100000, 0, null);
        var main = new ResolvedFrame(FrameKind.Native, "main", binary, 0x400100);
        var work = new ResolvedFrame(FrameKind.Dotnet, "C::Work()", jit, 0x7f0000000010);
        var syscall = new ResolvedFrame(FrameKind.Kernel, "do_syscall_64", new FrameMapping("[kernel.kallsyms]", 0, 0, 0, null), 0xffffffff81000010);
        var unknown = new ResolvedFrame(FrameKind.Native, null, binary, 0x400abc);

        var window = new SampleWindow(1_000);
        window.Add(new CollectedSample(42, 43, 1_100, [syscall, work, main]), Info, Thread);
        window.Add(new CollectedSample(42, 43, 1_200, [syscall, work, main]), Info, Thread);
        window.Add(new CollectedSample(42, 44, 1_300, [unknown, main]), Info, Thread);
        window.Add(new CollectedSample(7, 7, 1_400, [main]), Info, Thread);

        var request = ProfileBuilder.Build(window, 2_000, 99);

        Assert.True(ProfilesValidator.Validate(request).IsValid, ProfilesValidator.Validate(request).Summary);
        Assert.Equal(2, request.ResourceProfiles.Count);
        var process = request.ResourceProfiles.Single(r => r.Resource.Attributes.Any(a => a.Key == "process.pid" && a.Value.IntValue == 42));
        Assert.Equal("app-42", process.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue);
        Assert.Equal("abc", process.Resource.Attributes.Single(a => a.Key == "container.id").Value.StringValue);
        var profile = process.ScopeProfiles[0].Profiles[0];
        Assert.Equal(1_000_000_000L / 99, profile.Period);
        Assert.Equal(2, profile.Samples.Count);
        Assert.Equal([1_100UL, 1_200UL], profile.Samples[0].TimestampsUnixNano);
        Assert.Empty(profile.Samples[0].Values);

        var d = request.Dictionary;
        var leaf = d.LocationTable[d.StackTable[profile.Samples[0].StackIndex].LocationIndices[0]];
        Assert.Equal("do_syscall_64", d.StringTable[d.FunctionTable[leaf.Lines[0].FunctionIndex].NameStrindex]);
        Assert.Equal("kernel", d.AttributeTable[leaf.AttributeIndices[0]].Value.StringValue);

        var folded = Encoding.UTF8.GetString(ProfileConverter.Convert(request.ToByteArray(), OutputFormat.Folded, null).Output);
        Assert.Contains("main;C::Work();do_syscall_64 2", folded);
        Assert.Contains("main;app+0xabc 1", folded);
        Assert.Contains("main 1", folded);
    }

    private static ProcessInfo Info(int pid) => new(pid, $"app-{pid}", "/usr/bin/app", pid == 42 ? "abc" : null);

    private static string? Thread(int pid, int tid) => $"thread-{tid}";
}
