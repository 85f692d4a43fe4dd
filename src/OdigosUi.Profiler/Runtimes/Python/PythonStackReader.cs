using System.Buffers.Binary;
using System.Text;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>A Python frame read from a thread's frame chain; <see cref="EndsEvalCall"/> on the outermost frame one call of the eval loop runs.</summary>
public readonly record struct PythonFrame(ResolvedFrame Frame, bool EndsEvalCall);

public enum PythonReadResult
{
    /// <summary>Frames were read (up to where the chain could be read).</summary>
    Frames,

    /// <summary>The thread has a thread state but runs no Python frame (a thread between calls, or one in C code only).</summary>
    NoFrames,

    /// <summary>No thread state has the sampled thread's id: it never ran Python, or it started since the threads were listed.</summary>
    NoThreadState,

    /// <summary>The thread state or the first frame could not be read (the process exited, or the chain was torn).</summary>
    Failed,
}

/// <summary>
/// Reads the Python stack of a thread of one CPython process from its memory, as py-spy does: the thread's state by
/// its native id (the list of thread states walked again when a cached one no longer has that id), its current frame,
/// then the <c>_PyInterpreterFrame</c> chain through <c>previous</c>, each frame's code object for its qualified name,
/// file and line (code objects cached by address, up to about 1 MiB a process). Bounded: <see cref="MaxFrames"/>
/// frames and <see cref="MaxBytesPerRead"/> bytes per stack; a frame seen twice ends the walk. The process runs on
/// while it is read: a read that fails ends the walk with the frames read so far; nothing here throws for what the
/// process's memory holds. A code object freed and another allocated at its address keeps the first one's name (as
/// in py-spy). Not thread-safe.
/// </summary>
internal sealed class PythonStackReader(PythonInterpreter interpreter, IRemoteMemory memory)
{
    public const int MaxFrames = 128;
    public const int MaxBytesPerRead = 256 * 1024;
    private const int MaxInterpreters = 64;
    private const int MaxThreads = 1024;
    private const int MaxStringChars = 1024;
    private const int MaxLineTableBytes = 16 * 1024;
    private const long MaxCodeBytes = 1L << 20;
    private const long RelistIntervalMs = 100;
    private const int PageSize = 4096;
    private const int WindowBelow = 1024;

    private readonly PythonOffsets _offsets = interpreter.Offsets;
    private readonly Dictionary<int, ulong> _threads = [];
    private readonly Dictionary<ulong, PythonCode> _codes = [];
    private readonly HashSet<ulong> _seen = [];
    private readonly byte[] _frame = new byte[interpreter.Offsets.FrameBytes];
    private readonly byte[] _thread = new byte[interpreter.Offsets.ThreadBytes];
    private readonly byte[] _window = new byte[WindowBelow + interpreter.Offsets.FrameBytes];
    private ulong _windowStart;
    private int _windowLength;
    private long _codeBytes;
    private long _listedAt = long.MinValue / 2;
    private int _budget;

    public PythonInterpreter Interpreter { get; } = interpreter;

    /// <summary>Bytes read from the process so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Reads the Python frames thread <paramref name="tid"/> runs now, leaf first, into <paramref name="frames"/>.</summary>
    public PythonReadResult Read(int tid, List<PythonFrame> frames)
    {
        frames.Clear();
        _budget = MaxBytesPerRead;
        _windowLength = 0;
        var current = 0UL;
        var lookup = _threads.TryGetValue(tid, out var thread) ? CurrentFrame(thread, tid, out current) : ThreadLookup.NotThisThread;
        if (lookup == ThreadLookup.NotThisThread && Environment.TickCount64 - _listedAt >= RelistIntervalMs)
        {
            ListThreads();
            lookup = _threads.TryGetValue(tid, out thread) ? CurrentFrame(thread, tid, out current) : ThreadLookup.NotThisThread;
        }

        return lookup switch
        {
            ThreadLookup.NotThisThread => PythonReadResult.NoThreadState,
            ThreadLookup.Unreadable => PythonReadResult.Failed,
            _ when current == 0 => PythonReadResult.NoFrames,
            _ => Walk(current, frames) ? PythonReadResult.Frames : PythonReadResult.Failed,
        };
    }

    private enum ThreadLookup
    {
        Found,
        NotThisThread,
        Unreadable,
    }

    /// <summary>Lists the thread states of every interpreter by native thread id.</summary>
    private void ListThreads()
    {
        _threads.Clear();
        _listedAt = Environment.TickCount64;
        _seen.Clear();
        var interpreter = Pointer(Interpreter.RuntimeAddress + (ulong)_offsets.InterpretersHead);
        for (var i = 0; interpreter != 0 && i < MaxInterpreters && _seen.Add(interpreter); i++)
        {
            var thread = Pointer(interpreter + (ulong)_offsets.InterpreterThreadsHead);
            while (thread != 0 && _threads.Count < MaxThreads && _seen.Add(thread) && Read(thread, _thread))
            {
                _threads[(int)U64(_thread, _offsets.ThreadNativeId)] = thread;
                thread = U64(_thread, _offsets.ThreadNext);
            }

            interpreter = Pointer(interpreter + (ulong)_offsets.InterpreterNext);
        }
    }

    /// <summary>The frame thread state <paramref name="thread"/> runs (0 for none), when it is still <paramref name="tid"/>'s state.</summary>
    private ThreadLookup CurrentFrame(ulong thread, int tid, out ulong frame)
    {
        frame = 0;
        if (!Read(thread, _thread) || U64(_thread, _offsets.ThreadNativeId) != (ulong)tid)
        {
            return ThreadLookup.NotThisThread;
        }

        if (_offsets.ThreadCurrentFrame >= 0)
        {
            frame = U64(_thread, _offsets.ThreadCurrentFrame);
            return ThreadLookup.Found;
        }

        // 3.11/3.12: the running frame is in the _PyCFrame of the innermost eval loop call, on the C stack.
        var cframe = U64(_thread, _offsets.ThreadCFrame);
        Span<byte> word = stackalloc byte[8];
        if (cframe != 0 && !Read(cframe + (ulong)_offsets.CFrameCurrentFrame, word))
        {
            return ThreadLookup.Unreadable;
        }

        frame = cframe == 0 ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(word);
        return ThreadLookup.Found;
    }

    private bool Walk(ulong frame, List<PythonFrame> frames)
    {
        _seen.Clear();
        for (var steps = 0; frame != 0 && frames.Count < MaxFrames && steps < 2 * MaxFrames && _seen.Add(frame); steps++)
        {
            if (!ReadFrame(frame))
            {
                break;
            }

            var previous = U64(_frame, _offsets.FramePrevious);
            if (_offsets.FrameIsEntry < 0 && _frame[_offsets.FrameOwner] == PythonOffsets.OwnedByCStack)
            {
                // The shim frame an eval loop call pushes below the frames it runs (3.12+).
                if (frames.Count > 0)
                {
                    frames[^1] = frames[^1] with { EndsEvalCall = true };
                }

                frame = previous;
                continue;
            }

            var code = Code(U64(_frame, _offsets.FrameCode), out var readable);
            if (code is not null)
            {
                var endsEvalCall = _offsets.FrameIsEntry >= 0 && _frame[_offsets.FrameIsEntry] != 0;
                frames.Add(new PythonFrame(code.FrameAt(U64(_frame, _offsets.FrameInstruction)), endsEvalCall));
            }
            else if (!readable)
            {
                break;
            }

            frame = previous;
        }

        return frames.Count > 0;
    }

    /// <summary>
    /// Reads the frame at <paramref name="frame"/> into <see cref="_frame"/>. A thread pushes its frames one above the
    /// other in its data stack, so the bytes below a frame mostly hold its callers: one read of up to 1 KiB below it
    /// (not below its page, which is mapped when the frame is) serves them. Generators' frames, in their objects on
    /// the heap, miss it: 128 such frames read 140 KiB.
    /// </summary>
    private bool ReadFrame(ulong frame)
    {
        var size = _frame.Length;
        if (frame < _windowStart || frame - _windowStart + (ulong)size > (ulong)_windowLength)
        {
            var start = Math.Max(frame & ~(ulong)(PageSize - 1), frame > WindowBelow ? frame - WindowBelow : 0);
            var length = (int)(frame - start) + size;
            _windowLength = 0;
            if (!Read(start, _window.AsSpan(0, length)))
            {
                return false;
            }

            _windowStart = start;
            _windowLength = length;
        }

        _window.AsSpan((int)(frame - _windowStart), size).CopyTo(_frame);
        return true;
    }

    /// <summary>
    /// The code object at <paramref name="address"/>, from the cache or read now; null when it cannot be read
    /// (<paramref name="readable"/> false) or is not a code object (3.13's f_executable may be None).
    /// </summary>
    private PythonCode? Code(ulong address, out bool readable)
    {
        readable = true;
        if (_codes.TryGetValue(address, out var code))
        {
            return code;
        }

        Span<byte> header = stackalloc byte[_offsets.CodeBytes];
        if (!Read(address, header))
        {
            readable = false;
            return null;
        }

        if (U64(header, _offsets.ObjectType) != Interpreter.CodeTypeAddress)
        {
            return null;
        }

        var name = String(U64(header, _offsets.CodeQualName));
        var file = String(U64(header, _offsets.CodeFileName));
        var table = Bytes(U64(header, _offsets.CodeLineTable));
        if (name is null || file is null || table is null)
        {
            readable = false;
            return null;
        }

        code = new PythonCode(name, file, BinaryPrimitives.ReadInt32LittleEndian(header[_offsets.CodeFirstLineNo..]), table, address + (ulong)_offsets.CodeInstructions);
        if (_codeBytes + code.EstimatedBytes > MaxCodeBytes)
        {
            _codes.Clear();
            _codeBytes = 0;
        }

        _codes[address] = code;
        _codeBytes += code.EstimatedBytes;
        return code;
    }

    /// <summary>A compact str (the only kind code objects hold) of at most <see cref="MaxStringChars"/> characters.</summary>
    private string? String(ulong address)
    {
        Span<byte> header = stackalloc byte[_offsets.UnicodeAsciiData];
        if (address == 0 || !Read(address, header))
        {
            return null;
        }

        var length = (long)U64(header, _offsets.UnicodeLength);
        var state = BinaryPrimitives.ReadUInt32LittleEndian(header[_offsets.UnicodeState..]);
        var kind = (int)(state >> 2) & 7;
        var compact = (state & (1 << 5)) != 0;
        var ascii = (state & (1 << 6)) != 0;
        if (!compact || length < 0 || kind is not (1 or 2 or 4) || (ascii && kind != 1))
        {
            return null;
        }

        var chars = (int)Math.Min(length, MaxStringChars);
        var bytes = new byte[chars * kind];
        if (!Read(address + (ulong)(ascii ? _offsets.UnicodeAsciiData : _offsets.UnicodeCompactData), bytes))
        {
            return null;
        }

        return kind switch
        {
            1 => Encoding.Latin1.GetString(bytes),
            2 => Encoding.Unicode.GetString(bytes),
            _ => Encoding.UTF32.GetString(bytes),
        };
    }

    /// <summary>A bytes object's contents; empty when longer than <see cref="MaxLineTableBytes"/> (the line is then the first line).</summary>
    private byte[]? Bytes(ulong address)
    {
        Span<byte> size = stackalloc byte[8];
        if (address == 0 || !Read(address + (ulong)_offsets.BytesSize, size))
        {
            return null;
        }

        var length = (long)BinaryPrimitives.ReadUInt64LittleEndian(size);
        if (length is < 0 or > MaxLineTableBytes)
        {
            return [];
        }

        var bytes = new byte[length];
        return Read(address + (ulong)_offsets.BytesData, bytes) ? bytes : null;
    }

    private ulong Pointer(ulong address)
    {
        Span<byte> word = stackalloc byte[8];
        return Read(address, word) ? BinaryPrimitives.ReadUInt64LittleEndian(word) : 0;
    }

    private bool Read(ulong address, Span<byte> into)
    {
        // Everything read here is an 8-byte aligned object or field: any other address is a torn pointer.
        if (address == 0 || (address & 7) != 0 || into.Length > _budget)
        {
            return false;
        }

        _budget -= into.Length;
        BytesRead += into.Length;
        return memory.TryRead(address, into);
    }

    private static ulong U64(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);
}
