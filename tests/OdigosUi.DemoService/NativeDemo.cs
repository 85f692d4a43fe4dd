using System.Diagnostics;
using System.Reflection;

namespace OdigosDemo;

/// <summary>The C demo program (<c>Native/hot.c</c>): its source and a gcc build of it.</summary>
public static class NativeDemo
{
    public static string Source { get; } = ReadSource();

    /// <summary>
    /// Compiles the program to <paramref name="output"/> with frame pointers and symbols, linked with
    /// <paramref name="buildId"/> (40 hex digits) or the default sha1 build id.
    /// </summary>
    public static void Compile(string output, string? buildId = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(output))!;
        Directory.CreateDirectory(directory);
        var source = Path.Combine(directory, Path.GetFileName(output) + ".c");
        File.WriteAllText(source, Source);
        var idOption = buildId is null ? "--build-id" : $"--build-id=0x{buildId}";
        Run("gcc", "-O0", "-fno-omit-frame-pointer", "-g", $"-Wl,{idOption}", "-o", output, source);
    }

    /// <summary>The program built once per user and source version, under the temp folder.</summary>
    public static string CompileCached()
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Source)))[..12];
        var directory = Path.Combine(Path.GetTempPath(), $"odigos-demo-native-{Environment.UserName}-{hash}");
        var program = Path.Combine(directory, "hot");
        if (!File.Exists(program))
        {
            var building = Path.Combine(directory, $"hot.{Environment.ProcessId}");
            Compile(building);
            File.Move(building, program, overwrite: true);
        }

        return program;
    }

    private static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"the native demo needs {tool} on PATH (apt-get install gcc): {e.Message}", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {stderr.Result}");
            }
        }
    }

    private static string ReadSource()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("OdigosDemo.hot.c")
            ?? throw new InvalidOperationException("the embedded hot.c is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
