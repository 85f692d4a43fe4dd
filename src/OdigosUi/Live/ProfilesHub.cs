using Microsoft.AspNetCore.SignalR;
using OdigosUi.Pipeline.Live;

namespace OdigosUi.Live;

/// <summary>
/// <c>/hubs/profiles</c>: the live flame graph (docs/live-protocol.md). <c>Watch</c> a Source's slot, <c>Ack</c>
/// each applied update, <c>Unwatch</c>; the server calls the client's <c>update</c> with a <see cref="ProfileUpdate"/>.
/// </summary>
public sealed class ProfilesHub(LiveWatchers watchers) : Hub
{
    public const string Path = "/hubs/profiles";
    public const string UpdateMethod = "update";

    /// <summary>Opens (or touches) the Source's slot and replaces what this connection watched.</summary>
    public WatchResult Watch(string? source, string? profileType, int windowSeconds) =>
        watchers.Watch(Context.ConnectionId, source, profileType, windowSeconds);

    public void Ack(long seq) => watchers.Ack(Context.ConnectionId, seq);

    public void Unwatch() => watchers.Unwatch(Context.ConnectionId);

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await watchers.RemoveAsync(Context.ConnectionId).ConfigureAwait(false);
        await base.OnDisconnectedAsync(exception).ConfigureAwait(false);
    }
}
