using System.Buffers.Binary;

namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>
/// Where the fields the frame-chain walk reads sit in CPython's structures (64-bit builds without Py_GIL_DISABLED or
/// Py_DEBUG), per minor version, as py-spy and the OTel eBPF profiler keep them. Written from the headers of each
/// version (pycore_runtime.h, pycore_interp.h, cpython/pystate.h, pycore_frame.h, cpython/code.h, cpython/unicodeobject.h)
/// and checked against the DWARF of CPython 3.11.7, 3.12.1 and 3.13.0 builds. A 3.13 build also publishes its own
/// offsets at the start of <c>_PyRuntime</c> (<see cref="FromDebugOffsets"/>), which are preferred.
/// </summary>
public sealed record PythonOffsets
{
    /// <summary><c>FRAME_OWNED_BY_CSTACK</c> (3.12+): the shim frame each call of the eval loop pushes first.</summary>
    public const byte OwnedByCStack = 3;

    /// <summary>_PyRuntimeState.interpreters.head.</summary>
    public required int InterpretersHead { get; init; }

    public required int InterpreterNext { get; init; }

    /// <summary>PyInterpreterState.threads.head.</summary>
    public required int InterpreterThreadsHead { get; init; }

    public required int ThreadNext { get; init; }

    public required int ThreadNativeId { get; init; }

    /// <summary>PyThreadState.cframe (3.11, 3.12), whose <see cref="CFrameCurrentFrame"/> is the running frame; -1 in 3.13.</summary>
    public required int ThreadCFrame { get; init; }

    /// <summary>_PyCFrame.current_frame (3.11, 3.12); -1 in 3.13.</summary>
    public required int CFrameCurrentFrame { get; init; }

    /// <summary>PyThreadState.current_frame (3.13); -1 before.</summary>
    public required int ThreadCurrentFrame { get; init; }

    /// <summary>_PyInterpreterFrame.f_code (3.13: f_executable).</summary>
    public required int FrameCode { get; init; }

    public required int FramePrevious { get; init; }

    /// <summary>_PyInterpreterFrame.prev_instr (3.11, 3.12: the instruction last started) or instr_ptr (3.13: the one running).</summary>
    public required int FrameInstruction { get; init; }

    public required int FrameOwner { get; init; }

    /// <summary>_PyInterpreterFrame.is_entry (3.11: the first frame of a call of the eval loop); -1 from 3.12, where <see cref="OwnedByCStack"/> frames delimit the calls.</summary>
    public required int FrameIsEntry { get; init; }

    public required int CodeFileName { get; init; }

    public required int CodeQualName { get; init; }

    public required int CodeLineTable { get; init; }

    public required int CodeFirstLineNo { get; init; }

    /// <summary>PyCodeObject.co_code_adaptive: the instructions, which the frame's instruction pointer points into.</summary>
    public required int CodeInstructions { get; init; }

    /// <summary>PyObject.ob_type.</summary>
    public int ObjectType { get; init; } = 8;

    public int UnicodeLength { get; init; } = 16;

    public int UnicodeState { get; init; } = 32;

    /// <summary>Where a compact ASCII string's characters start: sizeof(PyASCIIObject).</summary>
    public required int UnicodeAsciiData { get; init; }

    /// <summary>Where another compact string's characters start: sizeof(PyCompactUnicodeObject).</summary>
    public required int UnicodeCompactData { get; init; }

    public int BytesSize { get; init; } = 16;

    public int BytesData { get; init; } = 32;

    /// <summary>Bytes of a frame to read to have every field above.</summary>
    public int FrameBytes => Math.Max(Math.Max(FrameCode, FramePrevious), Math.Max(FrameInstruction, Math.Max(FrameOwner, FrameIsEntry))) + 8;

    /// <summary>Bytes of a thread state to read to have its native id and its frame pointer.</summary>
    public int ThreadBytes => Math.Max(ThreadNativeId, Math.Max(ThreadCFrame, ThreadCurrentFrame)) + 8;

    /// <summary>Bytes of a code object to read to have its type, names, line table and first line.</summary>
    public int CodeBytes => Math.Max(Math.Max(ObjectType, CodeFileName), Math.Max(CodeQualName, Math.Max(CodeLineTable, CodeFirstLineNo))) + 8;

    public static PythonOffsets? ForMinor(int minor) => minor switch
    {
        11 => Python311,
        12 => Python312,
        13 => Python313,
        _ => null,
    };

    private static readonly PythonOffsets Python311 = new()
    {
        InterpretersHead = 0x28,
        InterpreterNext = 0,
        InterpreterThreadsHead = 0x10,
        ThreadNext = 8,
        ThreadNativeId = 160,
        ThreadCFrame = 56,
        CFrameCurrentFrame = 8,
        ThreadCurrentFrame = -1,
        FrameCode = 32,
        FramePrevious = 48,
        FrameInstruction = 56,
        FrameIsEntry = 68,
        FrameOwner = 69,
        CodeFirstLineNo = 72,
        CodeFileName = 112,
        CodeQualName = 128,
        CodeLineTable = 136,
        CodeInstructions = 184,
        UnicodeAsciiData = 48,
        UnicodeCompactData = 72,
    };

    private static readonly PythonOffsets Python312 = new()
    {
        InterpretersHead = 0x28,
        InterpreterNext = 0,
        InterpreterThreadsHead = 0x48,
        ThreadNext = 8,
        ThreadNativeId = 0x90,
        ThreadCFrame = 0x38,
        CFrameCurrentFrame = 0,
        ThreadCurrentFrame = -1,
        FrameCode = 0,
        FramePrevious = 8,
        FrameInstruction = 56,
        FrameIsEntry = -1,
        FrameOwner = 70,
        CodeFirstLineNo = 0x44,
        CodeFileName = 0x70,
        CodeQualName = 0x80,
        CodeLineTable = 0x88,
        CodeInstructions = 0xc0,
        UnicodeAsciiData = 40,
        UnicodeCompactData = 56,
    };

    private static readonly PythonOffsets Python313 = new()
    {
        InterpretersHead = 0x278,
        InterpreterNext = 0x1c60,
        InterpreterThreadsHead = 0x1cb0,
        ThreadNext = 8,
        ThreadNativeId = 0xa0,
        ThreadCFrame = -1,
        CFrameCurrentFrame = -1,
        ThreadCurrentFrame = 0x48,
        FrameCode = 0,
        FramePrevious = 8,
        FrameInstruction = 0x38,
        FrameIsEntry = -1,
        FrameOwner = 0x46,
        CodeFirstLineNo = 0x44,
        CodeFileName = 0x70,
        CodeQualName = 0x80,
        CodeLineTable = 0x88,
        CodeInstructions = 0xc8,
        UnicodeAsciiData = 40,
        UnicodeCompactData = 56,
    };

    /// <summary>"xdebugpy": the first bytes of <c>_PyRuntime</c> in 3.13+, its <c>_Py_DebugOffsets</c>.</summary>
    public static ReadOnlySpan<byte> DebugCookie => "xdebugpy"u8;

    /// <summary>Bytes of the 3.13 <c>_Py_DebugOffsets</c> (pycore_runtime.h of 3.13; 3.14 laid it out anew).</summary>
    public const int DebugOffsetsBytes = 584;

    /// <summary>
    /// The offsets a 3.13 build publishes in its <c>_Py_DebugOffsets</c>, or null when <paramref name="debugOffsets"/>
    /// is not one of a 3.13 build with the GIL (the cookie, the version and the free-threaded flag are checked).
    /// </summary>
    public static PythonOffsets? FromDebugOffsets(ReadOnlySpan<byte> debugOffsets)
    {
        if (debugOffsets.Length < DebugOffsetsBytes || !debugOffsets.StartsWith(DebugCookie)
            || PythonVersion.FromHex(U64(debugOffsets, 8)) is not { Major: 3, Minor: 13 } || U64(debugOffsets, 16) != 0)
        {
            return null;
        }

        foreach (var at in UsedDebugOffsets)
        {
            // An offset past 64 KiB is none of these structures': not a table to trust.
            if (U64(debugOffsets, at) >= 0x10000)
            {
                return null;
            }
        }

        var asciiSize = Field(debugOffsets, 560);
        return new PythonOffsets
        {
            InterpretersHead = Field(debugOffsets, 40),
            InterpreterNext = Field(debugOffsets, 64),
            InterpreterThreadsHead = Field(debugOffsets, 72),
            ThreadNext = Field(debugOffsets, 168),
            ThreadCurrentFrame = Field(debugOffsets, 184),
            ThreadNativeId = Field(debugOffsets, 200),
            ThreadCFrame = -1,
            CFrameCurrentFrame = -1,
            FramePrevious = Field(debugOffsets, 232),
            FrameCode = Field(debugOffsets, 240),
            FrameInstruction = Field(debugOffsets, 248),
            FrameOwner = Field(debugOffsets, 264),
            FrameIsEntry = -1,
            CodeFileName = Field(debugOffsets, 280),
            CodeQualName = Field(debugOffsets, 296),
            CodeLineTable = Field(debugOffsets, 304),
            CodeFirstLineNo = Field(debugOffsets, 312),
            CodeInstructions = Field(debugOffsets, 344),
            ObjectType = Field(debugOffsets, 360),
            BytesSize = Field(debugOffsets, 520),
            BytesData = Field(debugOffsets, 528),
            UnicodeState = Field(debugOffsets, 544),
            UnicodeLength = Field(debugOffsets, 552),
            UnicodeAsciiData = asciiSize,

            // PyCompactUnicodeObject is the ASCII header, then utf8_length and utf8.
            UnicodeCompactData = asciiSize + 16,
        };
    }

    private static readonly int[] UsedDebugOffsets = [40, 64, 72, 168, 184, 200, 232, 240, 248, 264, 280, 296, 304, 312, 344, 360, 520, 528, 544, 552, 560];

    private static int Field(ReadOnlySpan<byte> bytes, int at) => (int)U64(bytes, at);

    private static ulong U64(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);
}
