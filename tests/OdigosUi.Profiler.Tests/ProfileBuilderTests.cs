using System.Text;
using Google.Protobuf;
using OdigosUi.Profiler.Otlp;
using OdigosUi.Profiler.Symbolization;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
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

    [Fact]
    public void An_unsymbolized_library_frame_carries_its_mapping_and_gets_the_same_file_relative_label_in_every_process()
    {
        // One library mapped at two bases (ASLR): the text segment at file offset 0x2000 in both processes.
        var inFirst = new FrameMapping("/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", 0x7fdcac502000, 0x7fdcac520000, 0x2000, "beef");
        var inSecond = new FrameMapping("/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", 0x7f11aa002000, 0x7f11aa020000, 0x2000, "beef");
        var binary = new FrameMapping("/usr/bin/app", 0x400000, 0x401000, 0, "abcd");
        var main = new ResolvedFrame(FrameKind.Native, "main", binary, 0x400100);
        var firstLeaf = new ResolvedFrame(FrameKind.Native, null, inFirst, 0x7fdcac512bc9);
        var firstCaller = new ResolvedFrame(FrameKind.Native, null, inFirst, 0x7fdcac503000);
        var secondLeaf = new ResolvedFrame(FrameKind.Native, null, inSecond, 0x7f11aa012bc9);
        var secondCaller = new ResolvedFrame(FrameKind.Native, null, inSecond, 0x7f11aa003000);

        var window = new SampleWindow(1_000);
        window.Add(new CollectedSample(1, 1, 1_100, [firstLeaf, firstCaller, main]), Info, Thread);
        window.Add(new CollectedSample(2, 2, 1_200, [secondLeaf, secondCaller, main]), Info, Thread);

        var request = ProfileBuilder.Build(window, 2_000, 99);

        Assert.True(ProfilesValidator.Validate(request).IsValid, ProfilesValidator.Validate(request).Summary);
        var d = request.Dictionary;
        var first = LocationsOfOnlySample(request, 1);
        var second = LocationsOfOnlySample(request, 2);

        // Both frames of a process share its one mapping, which holds the range and file offset /proc/PID/maps gave.
        Assert.Equal(first[0].MappingIndex, first[1].MappingIndex);
        Assert.Equal(second[0].MappingIndex, second[1].MappingIndex);
        Assert.NotEqual(first[0].MappingIndex, second[0].MappingIndex);
        var firstMapping = d.MappingTable[first[0].MappingIndex];
        Assert.Equal((0x7fdcac502000UL, 0x7fdcac520000UL, 0x2000UL), (firstMapping.MemoryStart, firstMapping.MemoryLimit, firstMapping.FileOffset));
        Assert.Equal("/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", d.StringTable[firstMapping.FilenameStrindex]);
        var secondMapping = d.MappingTable[second[0].MappingIndex];
        Assert.Equal((0x7f11aa002000UL, 0x7f11aa020000UL, 0x2000UL), (secondMapping.MemoryStart, secondMapping.MemoryLimit, secondMapping.FileOffset));
        Assert.Empty(first[0].Lines);

        // Locations carry the absolute address; the file-relative one is address - memory_start + file_offset.
        Assert.Equal(0x7fdcac512bc9UL, first[0].Address);
        Assert.Equal(0x7f11aa012bc9UL, second[0].Address);
        Assert.Equal(0x12bc9UL, first[0].Address - firstMapping.MemoryStart + firstMapping.FileOffset);
        Assert.Equal(0x12bc9UL, second[0].Address - secondMapping.MemoryStart + secondMapping.FileOffset);

        Assert.Equal(["liblzma.so.5.4.1+0x12bc9", "liblzma.so.5.4.1+0x3000", "main"], Labels(request, first));
        Assert.Equal(["liblzma.so.5.4.1+0x12bc9", "liblzma.so.5.4.1+0x3000", "main"], Labels(request, second));
        var folded = Encoding.UTF8.GetString(ProfileConverter.Convert(request.ToByteArray(), OutputFormat.Folded, null).Output);
        Assert.Equal("main;liblzma.so.5.4.1+0x3000;liblzma.so.5.4.1+0x12bc9 2\n", folded);
    }

    [Fact]
    public void Unsymbolized_anonymous_kernel_and_vdso_frames_are_labelled_by_what_their_mapping_knows()
    {
        var jit = new FrameMapping("", 0x7f0000000000, 0x7f0000100000, 0, null);
        var vdso = new FrameMapping("[vdso]", 0x7ffd1a3f0000, 0x7ffd1a3f2000, 0, null);
        var kernel = new FrameMapping("[kernel.kallsyms]", 0, 0, 0, null);
        var binary = new FrameMapping("/usr/bin/app", 0x400000, 0x401000, 0, "abcd");
        var frames = new ResolvedFrame[]
        {
            new(FrameKind.Kernel, null, kernel, 0xffffffff81000010),
            new(FrameKind.Native, null, vdso, 0x7ffd1a3f0a40),
            new(FrameKind.Native, null, jit, 0x7f0000000010),
            new(FrameKind.Native, null, null, 0x1234),
            new(FrameKind.Native, "main", binary, 0x400100),
        };
        var window = new SampleWindow(1_000);
        window.Add(new CollectedSample(1, 1, 1_100, frames), Info, Thread);

        var request = ProfileBuilder.Build(window, 2_000, 99);

        Assert.True(ProfilesValidator.Validate(request).IsValid, ProfilesValidator.Validate(request).Summary);
        var locations = LocationsOfOnlySample(request, 1);
        Assert.Equal(0, locations[3].MappingIndex);
        var vdsoMapping = request.Dictionary.MappingTable[locations[1].MappingIndex];
        Assert.Equal((0x7ffd1a3f0000UL, 0x7ffd1a3f2000UL), (vdsoMapping.MemoryStart, vdsoMapping.MemoryLimit));
        Assert.Equal("main", request.Dictionary.StringTable[request.Dictionary.FunctionTable[locations[4].Lines.Single().FunctionIndex].NameStrindex]);

        // The kernel's addresses are the same in every process, so they stay as sent; JIT code has no file.
        Assert.Equal(["[kernel.kallsyms]+0xffffffff81000010", "[vdso]+0xa40", "0x7f0000000010", "0x1234", "main"], Labels(request, locations));
    }

    private static List<Location> LocationsOfOnlySample(ExportProfilesServiceRequest request, int pid)
    {
        var process = request.ResourceProfiles.Single(r => r.Resource.Attributes.Any(a => a.Key == "process.pid" && a.Value.IntValue == pid));
        var sample = process.ScopeProfiles[0].Profiles[0].Samples.Single();
        return request.Dictionary.StackTable[sample.StackIndex].LocationIndices.Select(i => request.Dictionary.LocationTable[i]).ToList();
    }

    private static List<string> Labels(ExportProfilesServiceRequest request, IEnumerable<Location> locations)
    {
        var view = new DictionaryView(request.Dictionary);
        var labels = new List<string>();
        foreach (var location in locations)
        {
            FrameLabels.Append(view, location, labels);
        }

        return labels;
    }

    private static ProcessInfo Info(int pid) => new(pid, $"app-{pid}", "/usr/bin/app", pid == 42 ? "abc" : null);

    private static string? Thread(int pid, int tid) => $"thread-{tid}";
}
