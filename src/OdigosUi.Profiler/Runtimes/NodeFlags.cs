using System.Text;

namespace OdigosUi.Profiler.Runtimes;

/// <summary>The V8 flags a node process was started with: its command line and its NODE_OPTIONS.</summary>
internal static class NodeFlags
{
    private const int MaxBytes = 64 << 10;

    public static bool Has(int pid, string flag) =>
        Arguments(Read($"/proc/{pid}/cmdline")).Any(a => a == flag)
        || Arguments(Read($"/proc/{pid}/environ")).Any(v => v.StartsWith("NODE_OPTIONS=", StringComparison.Ordinal) && v.Split(' ', '=').Contains(flag));

    private static IEnumerable<string> Arguments(byte[] nulSeparated) =>
        Encoding.UTF8.GetString(nulSeparated).Split('\0', StringSplitOptions.RemoveEmptyEntries);

    private static byte[] Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            var buffer = new byte[MaxBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            return buffer[..length];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
