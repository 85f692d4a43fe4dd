using System.Reflection.Metadata;
using System.Text;

namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// One entry of INSTANCE_METHOD_ENTRYPOINTS: a ReadyToRun method signature (flags, owner type, method token, method
/// instantiation, constrained type; readytorun-format.md "Method Signatures") followed by the method's entry point.
/// Read twice: when the image is parsed, only for <see cref="EntryPointOffset"/>; when one of its addresses is named,
/// with the metadata, for the runtime's name of the owner type (e.g. <c>System.Collections.Generic.Dictionary`2[System.__Canon,System.__Canon]</c>).
/// </summary>
internal readonly record struct InstanceEntry(int MethodDefRid, string? Owner, int EntryPointOffset)
{
    private const uint UpdateContext = 0x80;
    private const uint OwnerType = 0x40;
    private const uint Constrained = 0x20;
    private const uint MemberRefToken = 0x10;
    private const uint SlotInsteadOfToken = 0x08;
    private const uint MethodInstantiation = 0x04;
    private const int MaxArguments = 64;
    private const int MaxNameLength = 2048;

    /// <summary>
    /// The entry at <paramref name="offset"/>, its owner named from <paramref name="metadata"/> when given.
    /// <see cref="MethodDefRid"/> is 0 when the method is not a MethodDef of this module, <see cref="Owner"/> null when the
    /// owner type cannot be named; the entry is null when it holds a type this reader does not know (so its entry point
    /// cannot be found).
    /// </summary>
    public static InstanceEntry? Read(ImageReader reader, int offset, MetadataReader? metadata)
    {
        var flags = reader.Compressed(ref offset);

        // With UpdateContext the tokens are another module's (of the version bubble), whose metadata is not at hand.
        var ownModule = (flags & UpdateContext) == 0 || reader.Compressed(ref offset) == 0;
        string? owner = null;
        if ((flags & OwnerType) != 0)
        {
            var name = metadata is null ? null : new StringBuilder();
            var type = new TypeSignatureReader(reader, offset, ownModule ? metadata : null, name);
            if (!type.Read())
            {
                return null;
            }

            offset = type.Offset;
            owner = type.Nameable && name is { Length: <= MaxNameLength } ? name.ToString() : null;
        }

        var token = reader.Compressed(ref offset);
        var methodDefRid = ownModule && (flags & (SlotInsteadOfToken | MemberRefToken)) == 0 ? (int)token : 0;
        if ((flags & MethodInstantiation) != 0)
        {
            var count = reader.Compressed(ref offset);
            for (var i = 0; i < count; i++)
            {
                if (i >= MaxArguments || !Skip(reader, ref offset))
                {
                    return null;
                }
            }
        }

        if ((flags & Constrained) != 0 && !Skip(reader, ref offset))
        {
            return null;
        }

        return new InstanceEntry(methodDefRid, owner, offset);
    }

    private static bool Skip(ImageReader reader, ref int offset)
    {
        var type = new TypeSignatureReader(reader, offset, null, null);
        var known = type.Read();
        offset = type.Offset;
        return known;
    }
}
