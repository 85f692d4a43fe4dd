using System.Globalization;
using System.Text;

namespace OdigosUi.Profiler.Runtimes.Jvm;

/// <summary>
/// What attaching to a JVM needs from /proc, seen from the host: its pid in its own pid namespace (which names its
/// files), its effective user and group, whether it handles SIGQUIT, and its files reached through
/// <c>/proc/PID/root</c> (its mount namespace) and <c>/proc/PID/cwd</c>.
/// </summary>
internal sealed record JvmTarget(int Pid, int NamespacePid, uint Uid, uint Gid, bool HandlesSigquit)
{
    private const int Sigquit = 3;

    public string SocketPath => $"/proc/{Pid}/root/tmp/.java_pid{NamespacePid}";

    public string PerfMapPath => $"/proc/{Pid}/root/tmp/perf-{NamespacePid}.map";

    /// <summary>Where HotSpot looks for the file that makes SIGQUIT start its attach listener: its working directory, then /tmp.</summary>
    public IEnumerable<string> TriggerPaths => [$"/proc/{Pid}/cwd/.attach_pid{NamespacePid}", $"/proc/{Pid}/root/tmp/.attach_pid{NamespacePid}"];

    /// <summary>Reads the process; throws <see cref="JvmAttachFailure.NotAJvm"/> when it is gone or does not map libjvm.so.</summary>
    public static JvmTarget Read(int pid)
    {
        string[] status;
        try
        {
            status = File.ReadAllLines($"/proc/{pid}/status");
            if (RuntimeDetector.Detect(Symbolization.ProcessMaps.ReadExecutable(pid).Mappings, null) != ProcessRuntime.Jvm)
            {
                throw new JvmAttachException(JvmAttachFailure.NotAJvm, $"process {pid} is not a HotSpot JVM (no libjvm.so mapped)");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JvmAttachException(JvmAttachFailure.NotAJvm, $"process {pid} cannot be read ({e.Message})", e);
        }

        string[] Field(string name) =>
            status.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..].Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

        var nspid = Field("NSpid") is [.., var last] ? int.Parse(last, CultureInfo.InvariantCulture) : pid;
        var caught = Field("SigCgt") is [var mask] ? ulong.Parse(mask, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : 0;
        return new JvmTarget(pid, nspid, uint.Parse(Field("Uid")[1], CultureInfo.InvariantCulture), uint.Parse(Field("Gid")[1], CultureInfo.InvariantCulture),
            (caught & (1UL << (Sigquit - 1))) != 0);
    }

    /// <summary>
    /// Whether the JVM's options as the launcher and the JVM read them (JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, the
    /// command line, _JAVA_OPTIONS; the last setting wins) disable attach. Options from @argfiles are not seen.
    /// </summary>
    public bool AttachDisabledByOptions()
    {
        var environment = ReadNulSeparated($"/proc/{Pid}/environ");
        IEnumerable<string> Variable(string name) =>
            environment.Where(e => e.StartsWith(name + "=", StringComparison.Ordinal)).SelectMany(e => e[(name.Length + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

        var options = Variable("JAVA_TOOL_OPTIONS").Concat(Variable("JDK_JAVA_OPTIONS")).Concat(ReadNulSeparated($"/proc/{Pid}/cmdline")).Concat(Variable("_JAVA_OPTIONS"));
        return options.LastOrDefault(o => o is "-XX:+DisableAttachMechanism" or "-XX:-DisableAttachMechanism") == "-XX:+DisableAttachMechanism";
    }

    /// <summary>The start time of the process (clock ticks after boot), to tell a reused pid; null when it is gone.</summary>
    public static ulong? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The fields after the command name, which may hold spaces and parentheses: state is the 3rd field, start time the 22nd.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return ulong.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string[] ReadNulSeparated(string path)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes(path)).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
