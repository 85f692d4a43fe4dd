using System.Buffers.Binary;
using System.Text;

namespace OdigosUi.TestSupport;

/// <summary>
/// The code-load records of a jitdump file (perf's format, tools/perf/Documentation/jitdump-specification.txt), as the
/// .NET runtime writes it to <c>/tmp/jit-PID.dump</c>: unlike its perf map it also lists ReadyToRun methods when they
/// are first used, their names ending in <c>[PreJIT]</c> (with <c>DOTNET_PerfMapShowOptimizationTiers=1</c>). A record
/// still being written at the end is left out.
/// </summary>
public static class JitDump
{
    private const uint Magic = 0x4A695444;
    private const uint CodeLoad = 0;

    public static IReadOnlyList<CodeLoadRecord> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        if (bytes.Length < 12 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            throw new InvalidDataException($"{path} is not a jitdump file");
        }

        var records = new List<CodeLoadRecord>();
        for (var offset = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); offset + 16 <= bytes.Length;)
        {
            var id = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            if (size < 16 || offset + size > bytes.Length)
            {
                break;
            }

            if (id == CodeLoad && size > 56)
            {
                var record = bytes.AsSpan(offset, size);
                var name = record[56..];
                records.Add(new CodeLoadRecord(
                    BinaryPrimitives.ReadUInt64LittleEndian(record[32..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(record[40..]),
                    Encoding.UTF8.GetString(name[..Math.Max(0, name.IndexOf((byte)0))])));
            }

            offset += size;
        }

        return records;
    }

    /// <summary>Code at [<see cref="Address"/>, <see cref="Address"/> + <see cref="Size"/>) named as the perf map would.</summary>
    public readonly record struct CodeLoadRecord(ulong Address, ulong Size, string Name);
}
