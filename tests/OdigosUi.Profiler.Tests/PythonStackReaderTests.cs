using System.Buffers.Binary;
using System.Text;
using OdigosUi.Profiler.Runtimes.Python;
using OdigosUi.Profiler.Symbolization;

namespace OdigosUi.Profiler.Tests;

/// <summary>The frame-chain walk over a synthetic process memory laid out with each version's offsets.</summary>
public sealed class PythonStackReaderTests
{
    private const int Tid = 4242;

    public static TheoryData<int> Minors => new() { 11, 12, 13 };

    [Theory]
    [MemberData(nameof(Minors))]
    public void Reads_names_files_lines_and_where_each_eval_loop_call_ends(int minor)
    {
        var process = new FakePython(minor);
        var spin = process.Code("spin", "/app/main.py", firstLine: 4, lineTable: [0x80 | (0 << 3) | 1, 0, 0x80 | (11 << 3) | 3, 0, 0]);
        var caller = process.Code("caller", "/app/main.py", firstLine: 10, lineTable: [0x80 | (12 << 3) | 7, 0, 0]);
        var module = process.Code("<module>", "/app/main.py", firstLine: 1, lineTable: []);
        process.Thread(Tid, [(spin, 3, false), (caller, 0, true), (module, 0, true)]);
        var frames = new List<PythonFrame>();

        Assert.Equal(PythonReadResult.Frames, process.Reader().Read(Tid, frames));

        Assert.Equal(["spin:5", "caller:12", "<module>:1"], frames.Select(f => $"{f.Frame.FunctionName}:{f.Frame.Line}"));
        Assert.Equal([false, true, true], frames.Select(f => f.EndsEvalCall));
        Assert.All(frames, f => Assert.Equal((FrameKind.CPython, "/app/main.py"), (f.Frame.Kind, f.Frame.FileName!)));
    }

    [Theory]
    [MemberData(nameof(Minors))]
    public void A_cyclic_chain_ends_and_a_long_one_stops_at_the_frame_limit(int minor)
    {
        var process = new FakePython(minor);
        var code = process.Code("f", "/app/f.py", 1, []);
        var frames = new List<PythonFrame>();

        var first = process.Thread(Tid, [(code, 0, false), (code, 0, false), (code, 0, false)]);
        process.Link(process.FrameAt(first, 2), first);
        Assert.Equal(PythonReadResult.Frames, process.Reader().Read(Tid, frames));
        Assert.Equal(3, frames.Count);

        process.Thread(Tid + 1, Enumerable.Repeat((code, 0, false), 500).ToArray());
        Assert.Equal(PythonReadResult.Frames, process.Reader().Read(Tid + 1, frames));
        Assert.Equal(PythonStackReader.MaxFrames, frames.Count);
    }

    [Theory]
    [MemberData(nameof(Minors))]
    public void Frames_pushed_one_above_the_other_are_read_at_once_and_frames_elsewhere_one_by_one(int minor)
    {
        var process = new FakePython(minor);
        var code = process.Code("f", "/app/f.py", 1, []);
        var chain = Enumerable.Repeat((code, 0, false), 6).ToArray();
        process.Thread(Tid, chain, dataStack: true);
        process.Thread(Tid + 1, chain);
        var reader = process.Reader();
        var frames = new List<PythonFrame>();
        reader.Read(Tid, frames);
        reader.Read(Tid + 1, frames);

        var before = process.Memory.Reads;
        Assert.Equal(PythonReadResult.Frames, reader.Read(Tid, frames));
        var dataStackReads = process.Memory.Reads - before;
        before = process.Memory.Reads;
        Assert.Equal(PythonReadResult.Frames, reader.Read(Tid + 1, frames));
        var scatteredReads = process.Memory.Reads - before;

        Assert.Equal(6, frames.Count);
        var threadReads = minor >= 13 ? 1 : 2;
        Assert.InRange(dataStackReads, threadReads + 1, threadReads + 2); // 2 when the six frames straddle a page boundary
        Assert.Equal(threadReads + 6, scatteredReads);
    }

    [Theory]
    [MemberData(nameof(Minors))]
    public void A_torn_chain_keeps_the_frames_read_before_the_tear(int minor)
    {
        var process = new FakePython(minor);
        var code = process.Code("f", "/app/f.py", 1, []);
        var first = process.Thread(Tid, [(code, 0, false), (code, 0, false), (code, 0, false)]);
        process.Link(process.FrameAt(first, 1), 0xdead_0000);
        var frames = new List<PythonFrame>();

        Assert.Equal(PythonReadResult.Frames, process.Reader().Read(Tid, frames));
        Assert.Equal(2, frames.Count);

        process.Link(first, 0, asCode: true);
        Assert.Equal(PythonReadResult.Failed, process.Reader().Read(Tid, frames));
        Assert.Empty(frames);
    }

    [Theory]
    [MemberData(nameof(Minors))]
    public void A_thread_without_state_or_a_process_without_memory_reads_nothing(int minor)
    {
        var process = new FakePython(minor);
        process.Thread(Tid, [(process.Code("f", "/app/f.py", 1, []), 0, false)]);
        var frames = new List<PythonFrame>();

        Assert.Equal(PythonReadResult.NoThreadState, process.Reader().Read(Tid + 7, frames));
        Assert.Equal(PythonReadResult.NoThreadState, new PythonStackReader(process.Interpreter, new FakeMemory()).Read(Tid, frames));
        Assert.Empty(frames);
    }

    /// <summary>Regions of bytes at addresses (mapped pages); a read must fall inside one region.</summary>
    private sealed class FakeMemory : IRemoteMemory
    {
        public SortedDictionary<ulong, byte[]> Regions { get; } = [];

        public int Reads { get; private set; }

        public bool TryRead(ulong address, Span<byte> into)
        {
            Reads++;
            foreach (var (start, bytes) in Regions)
            {
                if (address >= start && address + (ulong)into.Length <= start + (ulong)bytes.Length)
                {
                    bytes.AsSpan((int)(address - start), into.Length).CopyTo(into);
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>A CPython process's memory as the offsets of one minor version lay it out: one interpreter, its threads, frames and code objects.</summary>
    private sealed class FakePython
    {
        private const ulong Runtime = 0x10_0000;
        private const ulong CodeType = 0x20_0000;
        private const ulong Arena = 0x100_0000;
        private const int ArenaBytes = 1 << 20;
        private readonly FakeMemory _memory = new();
        private readonly PythonOffsets _offsets;
        private readonly Dictionary<ulong, ulong[]> _frames = [];
        private ulong _next = Arena;
        private ulong _lastThread;

        public FakePython(int minor)
        {
            _offsets = PythonOffsets.ForMinor(minor)!;
            _memory.Regions[Arena] = new byte[ArenaBytes];
            Interpreter = new PythonInterpreter(new FrameMapping("/usr/lib/libpython3.so", 0, 0, 0, null), new PythonVersion(3, minor, 0), _offsets, false, Runtime, CodeType);
            var interpreter = Allocate(_offsets.InterpreterThreadsHead + 8);
            _memory.Regions[Runtime] = new byte[_offsets.InterpretersHead + 8];
            Write(Runtime + (ulong)_offsets.InterpretersHead, interpreter);
            InterpreterAddress = interpreter;
        }

        public PythonInterpreter Interpreter { get; }

        private ulong InterpreterAddress { get; }

        public FakeMemory Memory => _memory;

        public PythonStackReader Reader() => new(Interpreter, _memory);

        public ulong Code(string name, string file, int firstLine, byte[] lineTable)
        {
            var code = Allocate(_offsets.CodeInstructions + 64);
            Write(code + (ulong)_offsets.ObjectType, CodeType);
            Write(code + (ulong)_offsets.CodeQualName, String(name));
            Write(code + (ulong)_offsets.CodeFileName, String(file));
            var bytes = Allocate(_offsets.BytesData + lineTable.Length);
            Write(bytes + (ulong)_offsets.BytesSize, (ulong)lineTable.Length);
            lineTable.CopyTo(Span(bytes + (ulong)_offsets.BytesData, lineTable.Length));
            Write(code + (ulong)_offsets.CodeLineTable, bytes);
            BinaryPrimitives.WriteInt32LittleEndian(Span(code + (ulong)_offsets.CodeFirstLineNo, 4), firstLine);
            return code;
        }

        /// <summary>
        /// A thread state of <paramref name="tid"/> running <paramref name="frames"/> (leaf first: code, code unit, ends
        /// an eval loop call), added to the interpreter's thread list; returns its first frame. In a
        /// <paramref name="dataStack"/> each frame lies above its caller, as a thread pushes them; else below it.
        /// </summary>
        public ulong Thread(int tid, (ulong Code, int Unit, bool EndsEvalCall)[] frames, bool dataStack = false)
        {
            var entries = new List<(ulong Code, int Unit, bool EndsEvalCall, bool Shim)>();
            foreach (var (code, unit, endsEvalCall) in frames)
            {
                entries.Add((code, unit, endsEvalCall, false));
                if (endsEvalCall && _offsets.FrameIsEntry < 0)
                {
                    entries.Add((0, 0, false, true));
                }
            }

            var addresses = new ulong[entries.Count];
            foreach (var i in dataStack ? Enumerable.Range(0, entries.Count).Reverse() : Enumerable.Range(0, entries.Count))
            {
                addresses[i] = Allocate(_offsets.FrameBytes);
            }

            for (var i = 0; i < entries.Count; i++)
            {
                var (code, unit, endsEvalCall, shim) = entries[i];
                var frame = addresses[i];
                if (shim)
                {
                    Span(frame + (ulong)_offsets.FrameOwner, 1)[0] = PythonOffsets.OwnedByCStack;
                    continue;
                }

                Write(frame + (ulong)_offsets.FrameCode, code);
                Write(frame + (ulong)_offsets.FrameInstruction, code + (ulong)_offsets.CodeInstructions + (ulong)unit * 2);
                if (_offsets.FrameIsEntry >= 0)
                {
                    Span(frame + (ulong)_offsets.FrameIsEntry, 1)[0] = endsEvalCall ? (byte)1 : (byte)0;
                }
            }

            for (var i = 0; i + 1 < addresses.Length; i++)
            {
                Write(addresses[i] + (ulong)_offsets.FramePrevious, addresses[i + 1]);
            }

            var thread = Allocate(_offsets.ThreadBytes);
            Write(thread + (ulong)_offsets.ThreadNativeId, (ulong)tid);
            if (_offsets.ThreadCurrentFrame >= 0)
            {
                Write(thread + (ulong)_offsets.ThreadCurrentFrame, addresses[0]);
            }
            else
            {
                var cframe = Allocate(_offsets.CFrameCurrentFrame + 8);
                Write(cframe + (ulong)_offsets.CFrameCurrentFrame, addresses[0]);
                Write(thread + (ulong)_offsets.ThreadCFrame, cframe);
            }

            Write(_lastThread == 0 ? InterpreterAddress + (ulong)_offsets.InterpreterThreadsHead : _lastThread + (ulong)_offsets.ThreadNext, thread);
            _lastThread = thread;
            _frames[addresses[0]] = [.. addresses];
            return addresses[0];
        }

        /// <summary>The <paramref name="index"/>-th Python frame (shims not counted) of the chain starting at <paramref name="first"/>.</summary>
        public ulong FrameAt(ulong first, int index) =>
            _frames[first].Where(f => Span(f + (ulong)_offsets.FrameOwner, 1)[0] != PythonOffsets.OwnedByCStack).ElementAt(index);

        /// <summary>Points <paramref name="frame"/>'s previous (or its code) at <paramref name="target"/>.</summary>
        public void Link(ulong frame, ulong target, bool asCode = false) =>
            Write(frame + (ulong)(asCode ? _offsets.FrameCode : _offsets.FramePrevious), target);

        private ulong String(string text)
        {
            var address = Allocate(_offsets.UnicodeAsciiData + text.Length + 1);
            Write(address + (ulong)_offsets.UnicodeLength, (ulong)text.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(Span(address + (ulong)_offsets.UnicodeState, 4), (1u << 2) | (1u << 5) | (1u << 6));
            Encoding.ASCII.GetBytes(text).CopyTo(Span(address + (ulong)_offsets.UnicodeAsciiData, text.Length));
            return address;
        }

        /// <summary>Room in the arena, one region of whole pages (the reader reads a frame's page below it at once).</summary>
        private ulong Allocate(int size)
        {
            var address = _next;
            _next += (ulong)(size + 64) & ~7UL;
            Assert.True(_next <= Arena + ArenaBytes, "the fake process's arena is full");
            return address;
        }

        private Span<byte> Span(ulong address, int length)
        {
            foreach (var (start, bytes) in _memory.Regions)
            {
                if (address >= start && address + (ulong)length <= start + (ulong)bytes.Length)
                {
                    return bytes.AsSpan((int)(address - start), length);
                }
            }

            throw new ArgumentOutOfRangeException(nameof(address));
        }

        private void Write(ulong address, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Span(address, 8), value);
    }
}
