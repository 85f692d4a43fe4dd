using OdigosUi.TestSupport;
using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Profiler.Tests;

public sealed class NodeProfilerTests
{
    private const int WantedSamples = 40;

    [Fact]
    public async Task Samples_a_running_program_system_wide_and_symbolizes_hot_loop_called_from_main()
    {
        using var child = Process.Start(new ProcessStartInfo(NativeTestProgram.Instance.Path, "12") { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("the test program did not start");
        try
        {
            Assert.Equal("ready", await child.StandardOutput.ReadLineAsync());

            using var profiler = new NodeProfiler(new NodeProfilerOptions { SamplesPerSecond = 99, ReportInterval = TimeSpan.FromSeconds(1) });
            profiler.Start();

            // On a loaded machine the busy program gets less CPU, so collect until it has enough samples.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(8));
            var requests = new List<ExportProfilesServiceRequest>();
            var childSamples = 0;
            await profiler.RunAsync(
                (request, _) =>
                {
                    if (request.ResourceProfiles.SingleOrDefault(r => Pid(r) == child.Id) is { } resource)
                    {
                        requests.Add(request);
                        childSamples += resource.ScopeProfiles[0].Profiles[0].Samples.Sum(s => s.TimestampsUnixNano.Count);
                        if (childSamples >= WantedSamples)
                        {
                            timeout.Cancel();
                        }
                    }

                    return ValueTask.CompletedTask;
                },
                timeout.Token);

            Assert.True(childSamples >= 5, $"only {childSamples} samples of pid {child.Id} in {requests.Count} requests; stats {profiler.Stats}");
            Assert.True(profiler.Stats.Samples >= childSamples);

            var stacks = new List<List<string>>();
            var foldedLines = new List<string>();
            foreach (var request in requests)
            {
                var validation = ProfilesValidator.Validate(request);
                Assert.True(validation.IsValid, validation.Summary);

                var resource = request.ResourceProfiles.Single(r => Pid(r) == child.Id);
                Assert.Equal("hot", Attribute(resource, "service.name"));
                Assert.Equal("hot", Attribute(resource, "process.executable.name"));
                Assert.EndsWith("/hot", Attribute(resource, "process.executable.path"), StringComparison.Ordinal);
                stacks.AddRange(resource.ScopeProfiles[0].Profiles[0].Samples.Select(s => FunctionNames(request.Dictionary, s.StackIndex)));

                var folded = Encoding.UTF8.GetString(ProfileConverter.Convert(request.ToByteArray(), OutputFormat.Folded, null).Output);
                foldedLines.AddRange(folded.Split('\n'));
            }

            Assert.Contains(stacks, names =>
            {
                var hot = names.IndexOf("hot_loop");
                return hot >= 0 && names.IndexOf("main") > hot;
            });
            Assert.Contains(foldedLines, line => line.Contains("main;hot_loop ", StringComparison.Ordinal));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }

            await child.WaitForExitAsync();
        }
    }

    private static long Pid(ResourceProfiles resource) =>
        resource.Resource.Attributes.Single(a => a.Key == "process.pid").Value.IntValue;

    private static string Attribute(ResourceProfiles resource, string key) =>
        resource.Resource.Attributes.Single(a => a.Key == key).Value.StringValue;

    private static List<string> FunctionNames(ProfilesDictionary d, int stack) =>
        d.StackTable[stack].LocationIndices
            .Select(i => d.LocationTable[i])
            .Select(l => l.Lines.Count == 0 ? "?" : d.StringTable[d.FunctionTable[l.Lines[0].FunctionIndex].NameStrindex])
            .ToList();
}
