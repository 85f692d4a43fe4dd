namespace OdigosUi.Profiler.Unwinding;

/// <summary>
/// Compiles the DWARF call frame information of an x86-64 object (<c>.eh_frame</c>, or <c>.debug_frame</c>) into an
/// <see cref="UnwindTable"/>: every CIE and FDE program is run once here, so unwinding a sample needs no DWARF at all.
/// Only what a stack walk needs is kept: the CFA rule, where rbp was saved and whether the return address is defined.
/// A malformed entry ends the compilation with the rows read so far.
/// </summary>
public static class CallFrameInfoCompiler
{
    private const int RegisterRbp = 6;
    private const int RegisterRsp = 7;
    private const int RegisterReturnAddress = 16;
    private const int MaxRememberedStates = 64;

    // The CFA expression GCC and binutils emit for PLT entries: rsp + 8 + ((rip & 15) >= N ? 8 : 0), N being 10 or 11.
    private static ReadOnlySpan<byte> PltExpressionHead => [0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a];
    private static ReadOnlySpan<byte> PltExpressionTail => [0x2a, 0x33, 0x24, 0x22];

    /// <summary>
    /// Compiles <paramref name="section"/>, loaded at link-time address <paramref name="sectionAddress"/> (pc-relative
    /// pointers of <c>.eh_frame</c> are relative to it). <paramref name="maxRows"/> bounds the table.
    /// </summary>
    public static UnwindTable Compile(ReadOnlySpan<byte> section, ulong sectionAddress, bool isDebugFrame, int maxRows = 4 << 20)
    {
        var rows = new List<(ulong Pc, UnwindRow Row)>();
        var fdes = AddRows(section, sectionAddress, isDebugFrame, rows, maxRows);
        return Build(rows, fdes, isDebugFrame ? ".debug_frame" : ".eh_frame");
    }

    /// <summary>Adds the rows of every FDE of <paramref name="section"/> (absolute addresses) and returns the number of FDEs.</summary>
    internal static int AddRows(ReadOnlySpan<byte> section, ulong sectionAddress, bool isDebugFrame, List<(ulong Pc, UnwindRow Row)> rows, int maxRows = 4 << 20)
    {
        var cies = new Dictionary<long, Cie>();
        var fdes = 0;
        var reader = new DwarfReader(section);
        try
        {
            while (!reader.AtEnd && rows.Count < maxRows)
            {
                ulong length = reader.U32();
                var is64 = length == 0xffffffff;
                if (is64)
                {
                    length = reader.U64();
                }

                if (length == 0)
                {
                    if (isDebugFrame)
                    {
                        continue;
                    }

                    break;
                }

                var bodyStart = reader.Position;
                if (length > (ulong)(reader.Length - bodyStart))
                {
                    break;
                }

                var entryEnd = bodyStart + (int)length;
                var idPosition = reader.Position;
                var id = is64 ? reader.U64() : reader.U32();
                var isCie = isDebugFrame ? id == (is64 ? ulong.MaxValue : 0xffffffff) : id == 0;
                if (!isCie)
                {
                    var cieOffset = isDebugFrame ? (long)id : idPosition - (long)id;
                    if (!cies.TryGetValue(cieOffset, out var cie))
                    {
                        cie = ReadCie(section, cieOffset, isDebugFrame);
                        cies[cieOffset] = cie;
                    }

                    if (cie.Valid)
                    {
                        var entry = new DwarfReader(section[..entryEnd], reader.Position);
                        CompileFde(ref entry, section, cie, sectionAddress, rows);
                        fdes++;
                    }
                }

                reader.Position = entryEnd;
            }
        }
        catch (InvalidDataException)
        {
            // Keep what was compiled before the malformed entry.
        }

        return fdes;
    }

    /// <summary>Sorts absolute rows (CFA rule from each address to the next; <see cref="CfaRule.None"/> ends a range) into a table.</summary>
    internal static UnwindTable Build(List<(ulong Pc, UnwindRow Row)> rows, int fdes, string source)
    {
        if (rows.Count == 0)
        {
            return new UnwindTable(0, [], fdes, source);
        }

        // At equal addresses a real row wins over the end marker of the FDE before it.
        rows.Sort((a, b) => a.Pc != b.Pc ? a.Pc.CompareTo(b.Pc) : (a.Row.Rule == CfaRule.None ? 0 : 1).CompareTo(b.Row.Rule == CfaRule.None ? 0 : 1));
        var basePc = rows[0].Pc;
        var compiled = new List<UnwindRow>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (pc, row) = rows[i];
            if (pc - basePc > uint.MaxValue)
            {
                break;
            }

            if (i + 1 < rows.Count && rows[i + 1].Pc == pc)
            {
                continue;
            }

            var relative = row with { Pc = (uint)(pc - basePc) };
            if (compiled.Count > 0 && compiled[^1] with { Pc = relative.Pc } == relative)
            {
                continue;
            }

            compiled.Add(relative);
        }

        return new UnwindTable(basePc, [.. compiled], fdes, source);
    }

    private static Cie ReadCie(ReadOnlySpan<byte> section, long offset, bool isDebugFrame)
    {
        if (offset < 0 || offset >= section.Length)
        {
            return default;
        }

        var reader = new DwarfReader(section, (int)offset);
        ulong length = reader.U32();
        var is64 = length == 0xffffffff;
        if (is64)
        {
            length = reader.U64();
        }

        if (length == 0 || length > (ulong)(section.Length - reader.Position))
        {
            return default;
        }

        var end = reader.Position + (int)length;
        var id = is64 ? reader.U64() : reader.U32();
        if (id != (isDebugFrame ? (is64 ? ulong.MaxValue : 0xffffffff) : 0))
        {
            return default;
        }

        var version = reader.U8();
        var augmentation = reader.CString();
        if (version >= 4)
        {
            var addressSize = reader.U8();
            reader.U8();
            if (addressSize != 8)
            {
                return default;
            }
        }

        if (augmentation.IndexOf("eh"u8) >= 0)
        {
            return default;
        }

        var codeAlign = reader.Uleb();
        var dataAlign = reader.Sleb();
        var returnRegister = version == 1 ? reader.U8() : reader.Uleb();
        byte pointerEncoding = 0;
        var hasAugmentationData = augmentation.Length > 0 && augmentation[0] == (byte)'z';
        var signal = false;
        if (hasAugmentationData)
        {
            var dataLength = reader.Uleb();
            var dataEnd = reader.Position + (long)dataLength;
            foreach (var c in augmentation[1..])
            {
                switch (c)
                {
                    case (byte)'R':
                        pointerEncoding = reader.U8();
                        break;
                    case (byte)'L':
                        reader.U8();
                        break;
                    case (byte)'P':
                        var personality = reader.U8();
                        reader.Pointer((byte)(personality & 0x7f), 0);
                        break;
                    case (byte)'S':
                        signal = true;
                        break;
                }
            }

            if (dataEnd > end)
            {
                return default;
            }

            reader.Position = (int)dataEnd;
        }
        else if (augmentation.Length > 0)
        {
            return default;
        }

        if (reader.Position > end)
        {
            return default;
        }

        return new Cie(true, codeAlign, dataAlign, returnRegister, pointerEncoding, hasAugmentationData, signal, reader.Position, end);
    }

    private static void CompileFde(ref DwarfReader reader, ReadOnlySpan<byte> section, Cie cie, ulong sectionAddress, List<(ulong Pc, UnwindRow Row)> rows)
    {
        var pcBegin = reader.Pointer(cie.PointerEncoding, sectionAddress);
        var pcRange = reader.Pointer((byte)(cie.PointerEncoding & 0x0f), 0);
        if (cie.HasAugmentationData)
        {
            reader.Skip(reader.Uleb());
        }

        if (pcBegin == 0 || pcRange == 0 || pcRange > uint.MaxValue)
        {
            return;
        }

        var pcEnd = pcBegin + pcRange;
        var initial = new RegisterState { CfaRegister = -1, Bp = RegisterRule.Unchanged, ReturnAddress = RegisterRule.Unchanged };
        var cieProgram = new DwarfReader(section[..cie.InstructionsEnd], cie.InstructionsStart);
        var state = initial;
        var location = pcBegin;
        var ignored = pcBegin;
        Execute(ref cieProgram, cie, ref state, initial, ref ignored, ulong.MaxValue, null);
        initial = state;

        var rowStart = pcBegin;
        Execute(ref reader, cie, ref state, initial, ref location, pcEnd, (pc, s) =>
        {
            if (pc > rowStart)
            {
                rows.Add((rowStart, ToRow(s, cie.Signal)));
            }

            rowStart = pc;
        });

        if (rowStart < pcEnd)
        {
            rows.Add((rowStart, ToRow(state, cie.Signal)));
        }

        rows.Add((pcEnd, default));
    }

    private static UnwindRow ToRow(RegisterState state, bool signalFrame)
    {
        if (state.ReturnAddress.Kind == RuleKind.Undefined)
        {
            return new UnwindRow(0, 0, 0, CfaRule.Outermost);
        }

        if (signalFrame || state.ReturnAddress.Kind != RuleKind.Offset || state.ReturnAddress.Offset != -8)
        {
            return new UnwindRow(0, 0, 0, CfaRule.Unsupported);
        }

        var bpOffset = state.Bp.Kind == RuleKind.Offset && state.Bp.Offset is >= short.MinValue and <= short.MaxValue and not 0
            ? (short)state.Bp.Offset
            : (short)0;
        if (state.PltThreshold != 0)
        {
            return new UnwindRow(0, state.PltThreshold, bpOffset, CfaRule.PltEntry);
        }

        if (state.CfaOffset is < int.MinValue or > int.MaxValue)
        {
            return new UnwindRow(0, 0, 0, CfaRule.Unsupported);
        }

        return state.CfaRegister switch
        {
            RegisterRsp => new UnwindRow(0, (int)state.CfaOffset, bpOffset, CfaRule.StackPointer),
            RegisterRbp => new UnwindRow(0, (int)state.CfaOffset, bpOffset, CfaRule.FramePointer),
            _ => new UnwindRow(0, 0, 0, CfaRule.Unsupported),
        };
    }

    private delegate void RowEmitter(ulong nextLocation, RegisterState state);

    private static void Execute(ref DwarfReader reader, Cie cie, ref RegisterState state, RegisterState initial, ref ulong location, ulong end, RowEmitter? advance)
    {
        Stack<RegisterState>? remembered = null;
        while (!reader.AtEnd)
        {
            var op = reader.U8();
            var high = op & 0xc0;
            var low = op & 0x3f;
            if (high == 0x40)
            {
                Advance(ref location, (ulong)low * cie.CodeAlign, end, state, advance);
                continue;
            }

            if (high == 0x80)
            {
                SetRule(ref state, low, RegisterRule.AtOffset((long)reader.Uleb() * cie.DataAlign), cie);
                continue;
            }

            if (high == 0xc0)
            {
                SetRule(ref state, low, RuleOf(initial, low, cie), cie);
                continue;
            }

            switch (op)
            {
                case 0x00:
                    break;
                case 0x01:
                    var target = reader.Pointer(cie.PointerEncoding, 0);
                    if (target > location)
                    {
                        Advance(ref location, target - location, end, state, advance);
                    }

                    break;
                case 0x02:
                    Advance(ref location, reader.U8() * cie.CodeAlign, end, state, advance);
                    break;
                case 0x03:
                    Advance(ref location, reader.U16() * cie.CodeAlign, end, state, advance);
                    break;
                case 0x04:
                    Advance(ref location, reader.U32() * cie.CodeAlign, end, state, advance);
                    break;
                case 0x05:
                    {
                        var register = (int)reader.Uleb();
                        SetRule(ref state, register, RegisterRule.AtOffset((long)reader.Uleb() * cie.DataAlign), cie);
                        break;
                    }

                case 0x06:
                    {
                        var register = (int)reader.Uleb();
                        SetRule(ref state, register, RuleOf(initial, register, cie), cie);
                        break;
                    }

                case 0x07:
                    SetRule(ref state, (int)reader.Uleb(), RegisterRule.UndefinedRule, cie);
                    break;
                case 0x08:
                    SetRule(ref state, (int)reader.Uleb(), RegisterRule.Unchanged, cie);
                    break;
                case 0x09:
                    SetRule(ref state, (int)reader.Uleb(), RegisterRule.OtherRule, cie);
                    reader.Uleb();
                    break;
                case 0x0a:
                    remembered ??= new Stack<RegisterState>();
                    if (remembered.Count >= MaxRememberedStates)
                    {
                        throw new InvalidDataException("too many remembered CFI states");
                    }

                    remembered.Push(state);
                    break;
                case 0x0b:
                    if (remembered is { Count: > 0 })
                    {
                        state = remembered.Pop();
                    }

                    break;
                case 0x0c:
                    state.CfaRegister = (int)reader.Uleb();
                    state.CfaOffset = (long)reader.Uleb();
                    state.PltThreshold = 0;
                    break;
                case 0x0d:
                    state.CfaRegister = (int)reader.Uleb();
                    state.PltThreshold = 0;
                    break;
                case 0x0e:
                    state.CfaOffset = (long)reader.Uleb();
                    break;
                case 0x0f:
                    {
                        var block = reader.Take((int)Math.Min(reader.Uleb(), int.MaxValue));
                        state.CfaRegister = -1;
                        state.PltThreshold = PltThreshold(block);
                        break;
                    }

                case 0x10:
                    {
                        var register = (int)reader.Uleb();
                        reader.Skip(reader.Uleb());
                        SetRule(ref state, register, RegisterRule.OtherRule, cie);
                        break;
                    }

                case 0x11:
                    {
                        var register = (int)reader.Uleb();
                        SetRule(ref state, register, RegisterRule.AtOffset(reader.Sleb() * cie.DataAlign), cie);
                        break;
                    }

                case 0x12:
                    state.CfaRegister = (int)reader.Uleb();
                    state.CfaOffset = reader.Sleb() * cie.DataAlign;
                    state.PltThreshold = 0;
                    break;
                case 0x13:
                    state.CfaOffset = reader.Sleb() * cie.DataAlign;
                    break;
                case 0x14:
                case 0x15:
                    {
                        var register = (int)reader.Uleb();
                        _ = op == 0x14 ? (long)reader.Uleb() : reader.Sleb();
                        SetRule(ref state, register, RegisterRule.OtherRule, cie);
                        break;
                    }

                case 0x16:
                    {
                        var register = (int)reader.Uleb();
                        reader.Skip(reader.Uleb());
                        SetRule(ref state, register, RegisterRule.OtherRule, cie);
                        break;
                    }

                case 0x2e:
                    reader.Uleb();
                    break;
                case 0x2f:
                    {
                        var register = (int)reader.Uleb();
                        SetRule(ref state, register, RegisterRule.AtOffset(-(long)reader.Uleb() * cie.DataAlign), cie);
                        break;
                    }

                default:
                    throw new InvalidDataException($"unknown call frame instruction 0x{op:x2}");
            }
        }
    }

    private static void Advance(ref ulong location, ulong delta, ulong end, RegisterState state, RowEmitter? advance)
    {
        var next = location + delta;
        if (next > end || next < location)
        {
            next = end;
        }

        advance?.Invoke(next, state);
        location = next;
    }

    private static int PltThreshold(ReadOnlySpan<byte> block)
    {
        if (block.Length == PltExpressionHead.Length + 1 + PltExpressionTail.Length
            && block.StartsWith(PltExpressionHead)
            && block.EndsWith(PltExpressionTail)
            && block[PltExpressionHead.Length] is >= 0x30 and <= 0x4f)
        {
            return block[PltExpressionHead.Length] - 0x30;
        }

        return 0;
    }

    private static RegisterRule RuleOf(RegisterState state, int register, Cie cie) =>
        register == RegisterRbp ? state.Bp : register == (int)cie.ReturnRegister ? state.ReturnAddress : RegisterRule.Unchanged;

    private static void SetRule(ref RegisterState state, int register, RegisterRule rule, Cie cie)
    {
        if (register == RegisterRbp)
        {
            state.Bp = rule;
        }
        else if (register == (int)cie.ReturnRegister || (cie.ReturnRegister != RegisterReturnAddress && register == RegisterReturnAddress))
        {
            state.ReturnAddress = rule;
        }
    }

    private readonly record struct Cie(
        bool Valid,
        ulong CodeAlign,
        long DataAlign,
        ulong ReturnRegister,
        byte PointerEncoding,
        bool HasAugmentationData,
        bool Signal,
        int InstructionsStart,
        int InstructionsEnd);

    private enum RuleKind : byte
    {
        Unchanged,
        Offset,
        Undefined,
        Other,
    }

    private readonly record struct RegisterRule(RuleKind Kind, long Offset)
    {
        public static RegisterRule Unchanged => default;

        public static RegisterRule UndefinedRule => new(RuleKind.Undefined, 0);

        public static RegisterRule OtherRule => new(RuleKind.Other, 0);

        public static RegisterRule AtOffset(long offset) => new(RuleKind.Offset, offset);
    }

    private struct RegisterState
    {
        public int CfaRegister;
        public long CfaOffset;
        public int PltThreshold;
        public RegisterRule Bp;
        public RegisterRule ReturnAddress;
    }
}
