namespace OdigosUi.Resources.Stores;

/// <summary>
/// The embedded store's hold on its data folder: an exclusive lock (a <c>.lock</c> file opened with
/// <see cref="FileShare.None"/>, which .NET takes with <c>flock</c> on Unix) for as long as the store lives, so a
/// second process (or host) using the same <c>Storage:DataDir</c> fails at start-up instead of overwriting files.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = ".lock";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock on <paramref name="dataDirectory"/> (which exists).</summary>
    /// <exception cref="IOException">Another process holds it; the message says which folder and what to do.</exception>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, FileName);
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            file.Write(System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId}\n"));
            file.Flush();
            return new DataDirectoryLock(file);
        }
        catch (IOException e)
        {
            throw new IOException(
                $"the data folder {dataDirectory} (Storage:DataDir) is in use by another odigos-ui process; stop that one or give this one another Storage:DataDir",
                e);
        }
    }

    public void Dispose() => _file.Dispose();
}
