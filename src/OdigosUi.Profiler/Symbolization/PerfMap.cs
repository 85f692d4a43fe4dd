namespace OdigosUi.Profiler.Symbolization;

/// <summary>
/// A JIT perf map (<c>/tmp/perf-PID.map</c>: lines <c>START SIZE name</c>, hex start and size), read incrementally:
/// the runtime only appends to it, so <see cref="Refresh"/> parses the bytes added since the last read and adds them
/// as a new segment (segments are merged once there are several). Later lines win over earlier ones at the same
/// address. Names are shortened by <see cref="HotSpotFrameName"/> for a JVM, else by <see cref="DotnetFrameName"/>.
/// The file is opened through <see cref="Processes.WorkloadFiles"/> (a FIFO or a link planted at its path is not read),
/// and parsed up to the perf map limit (the rest skipped, counted once). Not thread-safe.
/// </summary>
public sealed class PerfMap(string path, Runtimes.ProcessRuntime runtime = Runtimes.ProcessRuntime.Native, Processes.WorkloadFiles? files = null)
{
    private const int MaxSegments = 4;

    private readonly Processes.WorkloadFiles _files = files ?? Processes.WorkloadFiles.Shared;
    private bool _overLimitCounted;

    private readonly List<SymbolTable> _segments = [];
    private long _offset;

    public string Path { get; } = path;

    /// <summary>Bytes of the file parsed so far.</summary>
    public long BytesRead => _offset;

    public int Count => _segments.Sum(s => s.Count);

    public long EstimatedBytes => _segments.Sum(s => s.EstimatedBytes);

    /// <summary>How many times new lines were read (for tests).</summary>
    public int Reads { get; private set; }

    /// <summary>Reads the lines appended since the last call; false when there was nothing new (or the file is gone).</summary>
    public bool Refresh()
    {
        try
        {
            using var file = _files.Open(Path, Processes.WorkloadFileKind.PerfMap);
            if (file is null)
            {
                return false;
            }

            using var stream = new FileStream(file.Handle, FileAccess.Read, bufferSize: 1);
            var maxBytes = _files.Limits.MaxPerfMapBytes;
            if (file.Length < _offset)
            {
                // Truncated or replaced (a new process with a reused pid): start over.
                _segments.Clear();
                _offset = 0;
            }

            if (file.Length > maxBytes && !_overLimitCounted)
            {
                _overLimitCounted = true;
                _files.Skipped(Path, Processes.WorkloadFileRefusal.TooLarge, $"{file.Length} bytes: lines after the perf map limit of {maxBytes} are not read");
            }

            if (file.Length == _offset || _offset >= maxBytes)
            {
                return false;
            }

            stream.Position = _offset;
            var builder = new SymbolTable.Builder();
            _offset += Utf8Lines.ForEach(stream, line => AddLine(builder, line, runtime), includeUnterminated: false, maxBytes: maxBytes - _offset);
            Reads++;
            if (builder.Count > 0)
            {
                _segments.Add(builder.Build());
                if (_segments.Count > MaxSegments)
                {
                    Merge();
                }
            }

            return builder.Count > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The name covering <paramref name="address"/>, newest segment first.</summary>
    public string? Find(ulong address)
    {
        for (var i = _segments.Count - 1; i >= 0; i--)
        {
            if (_segments[i].Find(address) is { } symbol && address - symbol.Address < Math.Max(symbol.Size, 1))
            {
                return symbol.Name;
            }
        }

        return null;
    }

    /// <summary>Every symbol of the text of a perf map (for tests and tools).</summary>
    public static SymbolTable Parse(string text, Runtimes.ProcessRuntime runtime = Runtimes.ProcessRuntime.Native)
    {
        var builder = new SymbolTable.Builder();
        Utf8Lines.ForEach(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), line => AddLine(builder, line, runtime));
        return builder.Build();
    }

    public static SymbolTable Read(string path, Processes.WorkloadFiles? files = null)
    {
        var map = new PerfMap(path, files: files);
        map.Refresh();
        map.Merge();
        return map._segments.Count == 0 ? SymbolTable.Empty : map._segments[0];
    }

    private static void AddLine(SymbolTable.Builder builder, ReadOnlySpan<byte> line, Runtimes.ProcessRuntime runtime)
    {
        if (Utf8Lines.NextField(ref line, out var start) && Utf8Lines.NextField(ref line, out var size)
            && Utf8Lines.TryParseHex(start, out var address) && Utf8Lines.TryParseHex(size, out var length))
        {
            var name = line.Trim(" \t\r"u8);
            if (!name.IsEmpty)
            {
                Span<byte> shortened = name.Length <= 1024 ? stackalloc byte[name.Length] : new byte[name.Length];
                var normalized = runtime == Runtimes.ProcessRuntime.Jvm ? HotSpotFrameName.Normalize(name, shortened) : DotnetFrameName.Normalize(name, shortened);
                builder.Add(address, length, shortened[..normalized]);
            }
        }
    }

    private void Merge()
    {
        if (_segments.Count <= 1)
        {
            return;
        }

        // Oldest first so that, at equal addresses, the newer line is added later and is the one found.
        var builder = new SymbolTable.Builder(_segments.Sum(s => s.Count), _segments.Sum(s => s.NameBytes));
        foreach (var segment in _segments)
        {
            builder.AddAll(segment);
        }

        _segments.Clear();
        _segments.Add(builder.Build());
    }
}
