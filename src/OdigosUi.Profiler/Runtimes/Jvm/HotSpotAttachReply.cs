using System.Text;

namespace OdigosUi.Profiler.Runtimes.Jvm;

/// <summary>
/// A HotSpot attach listener's reply: the result code on the first line (0 when the command ran), then its output
/// (or the error, e.g. <c>java.lang.IllegalArgumentException: Unknown diagnostic command</c>).
/// </summary>
internal sealed record HotSpotAttachReply(int Code, string Output)
{
    public static bool TryParse(ReadOnlySpan<byte> reply, out HotSpotAttachReply parsed)
    {
        parsed = new HotSpotAttachReply(0, "");
        var newline = reply.IndexOf((byte)'\n');
        var codeText = (newline < 0 ? reply : reply[..newline]).Trim(" \r"u8);
        if (codeText.IsEmpty || !System.Buffers.Text.Utf8Parser.TryParse(codeText, out int code, out var used) || used != codeText.Length)
        {
            return false;
        }

        parsed = new HotSpotAttachReply(code, newline < 0 ? "" : Encoding.UTF8.GetString(reply[(newline + 1)..]));
        return true;
    }
}
