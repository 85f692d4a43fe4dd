using System.Diagnostics;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.TestSupport;

namespace OdigosUi.Profiler.Tests;

/// <summary>The CPython builds the Python tests run: Debian's (statically linked, stripped) and pyenv's (libpython3.N.so).</summary>
public static class PythonBuilds
{
    public const string Debian311 = "/usr/bin/python3.11";
    public const string Pyenv311 = "/root/.pyenv/versions/3.11.7/bin/python3.11";
    public const string Pyenv312 = "/root/.pyenv/versions/3.12.1/bin/python3.12";
    public const string Pyenv313 = "/root/.pyenv/versions/3.13.0/bin/python3.13";

    public static TheoryData<string> All => new() { Debian311, Pyenv311, Pyenv312, Pyenv313 };

    /// <summary>Fails (never skips) when the build is not installed: the tests are meant to run where it is.</summary>
    public static string Require(string python)
    {
        Assert.True(File.Exists(python), $"{python} is not installed (Debian's python3.11 package; pyenv's builds under /root/.pyenv/versions)");
        return python;
    }
}

/// <summary>A Python script written to a temp directory and run, without any flag, by one interpreter; killed on dispose.</summary>
internal sealed class PythonProcess : IDisposable
{
    private readonly TempDirectory _directory = new("odigos-python-");
    private readonly Process _process;

    public PythonProcess(string python, string fileName, string source)
    {
        ScriptPath = Path.Combine(_directory.Path, fileName);
        Source = source;
        File.WriteAllText(ScriptPath, source);
        _process = Process.Start(new ProcessStartInfo(PythonBuilds.Require(python), [ScriptPath]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;
    }

    public string ScriptPath { get; }

    public string Source { get; }

    public int Pid => _process.Id;

    /// <summary>Writes a line to the script's standard input.</summary>
    public void Tell(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>The next line the script prints; fails with its error output when it exited.</summary>
    public async Task<string> ReadyAsync()
    {
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        if (line is null)
        {
            Assert.Fail($"the script exited: {await _process.StandardError.ReadToEndAsync()}");
        }

        return line;
    }

    /// <summary>The 1-based lines of the body of the function <c>def {name}(</c> (up to the next line that is not indented).</summary>
    public (int First, int Last) BodyOf(string name)
    {
        var lines = Source.Split('\n');
        var def = Array.FindIndex(lines, l => l.StartsWith($"def {name}(", StringComparison.Ordinal));
        Assert.True(def >= 0, $"no def {name} in the script");
        var last = def + 1;
        while (last + 1 < lines.Length && lines[last + 1].StartsWith(' '))
        {
            last++;
        }

        return (def + 2, last + 1);
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        _directory.Dispose();
    }
}

/// <summary>A sample's frames with what Python frames carry: file and line.</summary>
internal sealed record SampledFrame(string Name, string Type, string File, long Line);

internal static class PythonSamples
{
    /// <summary>Every sample of <paramref name="resource"/>: its thread, its frames leaf first and the observations it stands for.</summary>
    public static IEnumerable<(long Tid, IReadOnlyList<SampledFrame> Stack, int Count)> Of(ExportProfilesServiceRequest request, ResourceProfiles resource)
    {
        var d = request.Dictionary;
        foreach (var sample in resource.ScopeProfiles[0].Profiles[0].Samples)
        {
            var tid = sample.AttributeIndices.Select(i => d.AttributeTable[i]).Single(a => d.StringTable[a.KeyStrindex] == "thread.id").Value.IntValue;
            var stack = d.StackTable[sample.StackIndex].LocationIndices.Select(i => d.LocationTable[i]).Select(l =>
            {
                var type = d.AttributeTable[l.AttributeIndices[0]].Value.StringValue;
                if (l.Lines.Count == 0)
                {
                    return new SampledFrame("?", type, "", 0);
                }

                var function = d.FunctionTable[l.Lines[0].FunctionIndex];
                return new SampledFrame(d.StringTable[function.NameStrindex], type, d.StringTable[function.FilenameStrindex], l.Lines[0].Line_);
            }).ToList();
            yield return (tid, stack, Math.Max(1, sample.TimestampsUnixNano.Count));
        }
    }

    /// <summary>The index of the cpython frame <paramref name="callee"/> directly called by the cpython frame <paramref name="caller"/>, or -1.</summary>
    public static int CallIndex(IReadOnlyList<SampledFrame> stack, string caller, string callee)
    {
        for (var i = 0; i + 1 < stack.Count; i++)
        {
            if (stack[i] is { Type: "cpython" } inner && inner.Name == callee && stack[i + 1] is { Type: "cpython" } outer && outer.Name == caller)
            {
                return i;
            }
        }

        return -1;
    }

    public static string Folded(IReadOnlyList<SampledFrame> stack) =>
        string.Join(';', stack.Reverse().Select(f => f.Type == "cpython" ? $"{f.Name}:{f.Line}" : f.Name));
}
