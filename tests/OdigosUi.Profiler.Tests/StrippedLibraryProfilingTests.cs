using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Profiler.Tests;

public sealed class StrippedLibraryProfilingTests
{
    private const int WantedHotFrames = 40;
    private const string LibraryName = "libspin.so";

    /// <summary>
    /// Loaded before the profiler starts, the library's mapping is read from /proc/PID/maps; loaded while the process
    /// is being profiled (its maps already read for the samples in main), from the kernel's mmap record.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_function_of_a_stripped_library_is_labelled_with_its_file_offset_alike_in_two_processes(bool loadedWhileProfiled)
    {
        var program = StrippedLibraryProgram.Instance;
        var (spinStart, spinEnd) = program.FunctionFileRange(StrippedLibraryProgram.HotFunction);
        using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, ReportInterval = TimeSpan.FromSeconds(1) });
        if (loadedWhileProfiled)
        {
            profiler.Start();
        }

        var loadDelayMs = loadedWhileProfiled ? 1500 : 0;
        using var first = program.Start(seconds: 20, padPages: 0, loadDelayMs);
        using var second = program.Start(seconds: 20, padPages: 257, loadDelayMs);
        try
        {
            if (!loadedWhileProfiled)
            {
                Assert.Equal("ready", await first.StandardOutput.ReadLineAsync());
                Assert.Equal("ready", await second.StandardOutput.ReadLineAsync());
                profiler.Start();
            }
            var hot = new Dictionary<int, List<HotFrame>> { [first.Id] = [], [second.Id] = [] };
            var foldedLines = new List<string>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(17));
            await profiler.RunAsync(
                (request, _) =>
                {
                    var validation = ProfilesValidator.Validate(request);
                    Assert.True(validation.IsValid, validation.Summary);
                    foreach (var (pid, frames) in hot)
                    {
                        if (ProfilerDriver.Process(request, pid) is { } resource)
                        {
                            frames.AddRange(HotFrames(request, resource, spinStart, spinEnd));
                            foldedLines.AddRange(Folded(request, resource));
                        }
                    }

                    if (hot.Values.All(frames => frames.Count >= WantedHotFrames))
                    {
                        timeout.Cancel();
                    }

                    return ValueTask.CompletedTask;
                },
                timeout.Token);

            Assert.False(first.HasExited || second.HasExited, "a test program exited early");
            Assert.All(hot, pair => Assert.True(pair.Value.Count >= 10, $"only {pair.Value.Count} unsymbolized {LibraryName} leaves of pid {pair.Key}; stats {profiler.Stats}"));
            var firstFrames = hot[first.Id];
            var secondFrames = hot[second.Id];
            Assert.NotEqual(firstFrames[0].MemoryStart, secondFrames[0].MemoryStart);

            foreach (var frame in firstFrames.Concat(secondFrames))
            {
                Assert.InRange(frame.Address, frame.MemoryStart, frame.MemoryLimit - 1);
                var fileAddress = frame.Address - frame.MemoryStart + frame.FileOffset;
                Assert.Equal($"{LibraryName}+0x{fileAddress:x}", frame.Label);
                Assert.Equal("spin_for", frame.Caller);
            }

            // The same instruction: the same label, at a different address in each process.
            var common = firstFrames.Select(f => f.Label).Intersect(secondFrames.Select(f => f.Label)).ToList();
            Assert.NotEmpty(common);
            Assert.NotEqual(firstFrames.First(f => f.Label == common[0]).Address, secondFrames.First(f => f.Label == common[0]).Address);
            Assert.Contains(foldedLines, line => line.Contains($";main;spin_for;{common[0]} ", StringComparison.Ordinal));
        }
        finally
        {
            await Stop(first);
            await Stop(second);
        }
    }

    /// <summary>
    /// Every sample whose innermost user frame is an unsymbolized frame of the library in <c>spin</c>'s file range,
    /// with its caller's label. A library loaded while profiled also runs its static init code (frame_dummy, called by
    /// ld.so's _dl_init): such samples are unnamed leaves of the library too, but not the function under test.
    /// </summary>
    private static IEnumerable<HotFrame> HotFrames(ExportProfilesServiceRequest request, ResourceProfiles resource, ulong spinStart, ulong spinEnd)
    {
        var d = request.Dictionary;
        var view = new DictionaryView(d);
        foreach (var sample in resource.ScopeProfiles[0].Profiles[0].Samples)
        {
            var user = d.StackTable[sample.StackIndex].LocationIndices
                .Select(i => d.LocationTable[i])
                .SkipWhile(l => d.AttributeTable[l.AttributeIndices[0]].Value.StringValue == "kernel")
                .ToList();
            if (user.Count < 2 || user[0].Lines.Count > 0 || user[0].MappingIndex == 0)
            {
                continue;
            }

            var mapping = d.MappingTable[user[0].MappingIndex];
            var fileAddress = user[0].Address - mapping.MemoryStart + mapping.FileOffset;
            if (!d.StringTable[mapping.FilenameStrindex].EndsWith("/" + LibraryName, StringComparison.Ordinal) || fileAddress < spinStart || fileAddress >= spinEnd)
            {
                continue;
            }

            var labels = new List<string>();
            FrameLabels.Append(view, user[0], labels);
            FrameLabels.Append(view, user[1], labels);
            Assert.True(user[1].Lines.Count > 0, $"the caller of {labels[0]} has no name: {string.Join(';', user.Select(l => $"{(l.Lines.Count > 0 ? d.StringTable[d.FunctionTable[l.Lines[0].FunctionIndex].NameStrindex] : "?")}@{l.Address:x}[{(l.MappingIndex == 0 ? "" : d.StringTable[d.MappingTable[l.MappingIndex].FilenameStrindex])}]"))}");
            foreach (var _ in sample.TimestampsUnixNano)
            {
                yield return new HotFrame(user[0].Address, mapping.MemoryStart, mapping.MemoryLimit, mapping.FileOffset, labels[0], labels[1]);
            }
        }
    }

    private static string[] Folded(ExportProfilesServiceRequest request, ResourceProfiles resource)
    {
        var single = new ExportProfilesServiceRequest { Dictionary = request.Dictionary, ResourceProfiles = { resource } };
        return Encoding.UTF8.GetString(ProfileConverter.Convert(single.ToByteArray(), OutputFormat.Folded, null).Output).Split('\n');
    }

    private static async Task Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync();
    }

    private sealed record HotFrame(ulong Address, ulong MemoryStart, ulong MemoryLimit, ulong FileOffset, string Label, string Caller);
}
