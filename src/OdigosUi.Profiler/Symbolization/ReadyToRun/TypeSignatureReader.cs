using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Text;

namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// Reads one type of a signature (ECMA-335 II.23.2.12, plus the element types ReadyToRun signatures add: __Canon and
/// module overrides), appending its runtime name (<c>System.Collections.Generic.Dictionary`2[System.__Canon,System.Int32]</c>)
/// to <c>name</c> when given. Counts are capped and nesting is limited, so a hostile signature neither recurses deeply
/// nor makes anything allocate for counts it claims.
/// </summary>
internal ref struct TypeSignatureReader(ImageReader reader, int offset, MetadataReader? metadata, StringBuilder? name)
{
    private const byte ValueType = 0x11;
    private const byte Class = 0x12;
    private const byte FunctionPointer = 0x1b;
    private const byte Sentinel = 0x41;
    private const byte CanonZapSig = 0x3e;
    private const byte ModuleZapSig = 0x3f;
    private const byte Generic = 0x10;
    private const int MaxDepth = 32;
    private const int MaxArguments = 64;

    private readonly ImageReader _reader = reader;

    public int Offset = offset;

    /// <summary>False once the type refers to something that cannot be named here (another module, a generic variable, a function pointer).</summary>
    public bool Nameable = true;

    /// <summary>
    /// True when the method signature in <paramref name="blob"/> has only element types and counts this reader accepts,
    /// so that <see cref="SignatureDecoder{TType, TGenericContext}"/> can decode it without allocating for hostile counts.
    /// </summary>
    public static bool IsBoundedMethodSignature(ReadOnlySpan<byte> blob)
    {
        var signature = new TypeSignatureReader(new ImageReader(blob), 0, null, null);
        return signature.MethodSignature(0);
    }

    /// <summary>False for an element type this reader does not know: the signature cannot be followed further.</summary>
    public bool Read() => Read(0);

    private bool Read(int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        var element = _reader.Byte(Offset++);
        switch (element)
        {
            case (byte)SignatureTypeCode.Void:
                return Append("System.Void");
            case (byte)SignatureTypeCode.Boolean:
                return Append("System.Boolean");
            case (byte)SignatureTypeCode.Char:
                return Append("System.Char");
            case (byte)SignatureTypeCode.SByte:
                return Append("System.SByte");
            case (byte)SignatureTypeCode.Byte:
                return Append("System.Byte");
            case (byte)SignatureTypeCode.Int16:
                return Append("System.Int16");
            case (byte)SignatureTypeCode.UInt16:
                return Append("System.UInt16");
            case (byte)SignatureTypeCode.Int32:
                return Append("System.Int32");
            case (byte)SignatureTypeCode.UInt32:
                return Append("System.UInt32");
            case (byte)SignatureTypeCode.Int64:
                return Append("System.Int64");
            case (byte)SignatureTypeCode.UInt64:
                return Append("System.UInt64");
            case (byte)SignatureTypeCode.Single:
                return Append("System.Single");
            case (byte)SignatureTypeCode.Double:
                return Append("System.Double");
            case (byte)SignatureTypeCode.IntPtr:
                return Append("System.IntPtr");
            case (byte)SignatureTypeCode.UIntPtr:
                return Append("System.UIntPtr");
            case (byte)SignatureTypeCode.Object:
                return Append("System.Object");
            case (byte)SignatureTypeCode.String:
                return Append("System.String");
            case (byte)SignatureTypeCode.TypedReference:
                return Append("System.TypedReference");
            case CanonZapSig:
                return Append("System.__Canon");
            case ValueType:
            case Class:
                return Token();
            case (byte)SignatureTypeCode.Pointer:
                return Read(depth + 1) && Append("*");
            case (byte)SignatureTypeCode.ByReference:
                return Read(depth + 1) && Append("&");
            case (byte)SignatureTypeCode.SZArray:
                return Read(depth + 1) && Append("[]");
            case (byte)SignatureTypeCode.Array:
                return Read(depth + 1) && ArrayShape();
            case (byte)SignatureTypeCode.GenericTypeParameter:
            case (byte)SignatureTypeCode.GenericMethodParameter:
                _reader.Compressed(ref Offset);
                Nameable = false;
                return true;
            case (byte)SignatureTypeCode.GenericTypeInstance:
                return Read(depth + 1) && Instantiation(depth);
            case FunctionPointer:
                Nameable = false;
                return MethodSignature(depth + 1);
            case (byte)SignatureTypeCode.RequiredModifier:
            case (byte)SignatureTypeCode.OptionalModifier:
                _reader.Compressed(ref Offset);
                return Read(depth + 1);
            case (byte)SignatureTypeCode.Pinned:
                return Read(depth + 1);
            case ModuleZapSig:
                Nameable &= _reader.Compressed(ref Offset) == 0;
                return Read(depth + 1);
            default:
                return false;
        }
    }

    private bool MethodSignature(int depth)
    {
        var header = _reader.Byte(Offset++);
        if ((header & Generic) != 0 && _reader.Compressed(ref Offset) > MaxArguments)
        {
            return false;
        }

        var parameters = _reader.Compressed(ref Offset);
        if (parameters > _reader.Length - Offset || !Read(depth + 1))
        {
            return false;
        }

        for (var i = 0u; i < parameters; i++)
        {
            if (_reader.Byte(Offset) == Sentinel)
            {
                Offset++;
            }

            if (!Read(depth + 1))
            {
                return false;
            }
        }

        return true;
    }

    private bool Token()
    {
        var coded = _reader.Compressed(ref Offset);
        var rid = (int)(coded >> 2);
        if (name is null || !Nameable)
        {
            return true;
        }

        switch (coded & 3)
        {
            case 0 when metadata is not null && rid <= metadata.GetTableRowCount(TableIndex.TypeDef):
                RuntimeTypeName.AppendDefinition(name, metadata, MetadataTokens.TypeDefinitionHandle(rid));
                break;
            case 1 when metadata is not null && rid <= metadata.GetTableRowCount(TableIndex.TypeRef):
                RuntimeTypeName.AppendReference(name, metadata, MetadataTokens.TypeReferenceHandle(rid));
                break;
            default:
                Nameable = false;
                break;
        }

        return true;
    }

    private bool Instantiation(int depth)
    {
        var count = _reader.Compressed(ref Offset);
        if (count == 0 || count > MaxArguments)
        {
            return false;
        }

        Append("[");
        for (var i = 0; i < count; i++)
        {
            if ((i > 0 && !Append(",")) || !Read(depth + 1))
            {
                return false;
            }
        }

        return Append("]");
    }

    private bool ArrayShape()
    {
        var rank = _reader.Compressed(ref Offset);
        if (rank == 0 || rank > MaxArguments)
        {
            return false;
        }

        for (var bounds = 0; bounds < 2; bounds++)
        {
            var count = _reader.Compressed(ref Offset);
            if (count > rank)
            {
                return false;
            }

            for (var i = 0; i < count; i++)
            {
                _reader.Compressed(ref Offset);
            }
        }

        return Append(rank == 1 ? "[*]" : $"[{new string(',', (int)rank - 1)}]");
    }

    private readonly bool Append(string text)
    {
        name?.Append(text);
        return true;
    }
}
