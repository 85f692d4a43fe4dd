using MessagePack;

namespace OdigosUi.Pipeline.Live;

/// <summary>The answer to the hub's <c>Watch</c>: ok, or the reason the slot cannot be watched (for the user).</summary>
[MessagePackObject]
public sealed class WatchResult
{
    [Key(0)]
    public bool Ok { get; set; }

    [Key(1)]
    public string? Error { get; set; }

    public static WatchResult Success() => new() { Ok = true };

    public static WatchResult Fail(string error) => new() { Ok = false, Error = error };
}
