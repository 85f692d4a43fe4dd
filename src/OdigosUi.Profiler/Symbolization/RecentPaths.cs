namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// The paths one file was last opened by (<c>/proc/PID/map_files/...</c>, <c>/proc/PID/root/...</c>), most recent first
/// and at most four, to open it again when names are read lazily: one process's path goes away with it. Thread-safe.
/// </summary>
internal sealed class RecentPaths(string path)
{
    private const int MaxPaths = 4;

    private readonly List<string> _paths = [path];

    public void Remember(ReadOnlySpan<string> paths)
    {
        lock (_paths)
        {
            for (var i = paths.Length - 1; i >= 0; i--)
            {
                _paths.Remove(paths[i]);
                _paths.Insert(0, paths[i]);
            }

            if (_paths.Count > MaxPaths)
            {
                _paths.RemoveRange(MaxPaths, _paths.Count - MaxPaths);
            }
        }
    }

    public string[] Snapshot()
    {
        lock (_paths)
        {
            return [.. _paths];
        }
    }
}
