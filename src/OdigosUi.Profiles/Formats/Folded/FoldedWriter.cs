using System.Globalization;
using System.Text;
using OdigosUi.Profiles.Aggregation;

namespace OdigosUi.Profiles.Formats.Folded;

/// <summary>
/// Folded stacks: one line per distinct stack, frames root-first joined by <c>;</c>, a space, the summed value;
/// lines sorted by ordinal (code point) comparison, each ending in a newline.
/// </summary>
public static class FoldedWriter
{
    public static byte[] Write(ProfileSnapshot snapshot)
    {
        var lines = new List<byte[]>();
        var builder = new StringBuilder();
        var path = new List<int>();
        for (var node = 0; node < snapshot.NodeCount; node++)
        {
            if (!snapshot.Present[node])
            {
                continue;
            }

            path.Clear();
            for (var n = node; n != ProfileTree.Root; n = snapshot.Parent[n])
            {
                path.Add(n);
            }

            builder.Clear();
            for (var i = path.Count - 1; i >= 0; i--)
            {
                AppendLabel(builder, snapshot.Label(path[i]));
                if (i > 0)
                {
                    builder.Append(';');
                }
            }

            builder.Append(' ').Append(snapshot.Self[node].ToString(CultureInfo.InvariantCulture)).Append('\n');
            lines.Add(Encoding.UTF8.GetBytes(builder.ToString()));
        }

        // UTF-8 byte order is code point order, which is what "ordinal" means across languages.
        lines.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
        var output = new byte[lines.Sum(line => line.Length)];
        var offset = 0;
        foreach (var line in lines)
        {
            line.CopyTo(output, offset);
            offset += line.Length;
        }

        return output;
    }

    /// <summary>A line break inside a label (seen in real pprof files) would split the line: it becomes U+FFFD.</summary>
    private static void AppendLabel(StringBuilder builder, string label)
    {
        if (label.AsSpan().IndexOfAny('\n', '\r') < 0)
        {
            builder.Append(label);
            return;
        }

        builder.Append(label.Replace('\n', '\uFFFD').Replace('\r', '\uFFFD'));
    }

    public static string WriteString(ProfileSnapshot snapshot) => Encoding.UTF8.GetString(Write(snapshot));
}
