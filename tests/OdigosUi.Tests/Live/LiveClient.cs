using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Pipeline.Live;

namespace OdigosUi.Tests.Live;

/// <summary>A real SignalR client of <c>/hubs/profiles</c> over the MessagePack protocol, as the browser uses it.</summary>
internal sealed class LiveClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly Channel<ProfileUpdate> _updates = Channel.CreateUnbounded<ProfileUpdate>();
    private long? _lastSeq;

    private LiveClient(HubConnection connection)
    {
        _connection = connection;
        _connection.On<ProfileUpdate>("update", update => _updates.Writer.TryWrite(update));
    }

    public LiveProfileModel Model { get; } = new();

    public static async Task<LiveClient> ConnectAsync(Uri ui)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(ui, "/hubs/profiles"))
            .AddMessagePackProtocol()
            .Build();
        await connection.StartAsync();
        return new LiveClient(connection);
    }

    public Task<WatchResult> WatchAsync(string? source, string? profileType = null, int windowSeconds = 0) =>
        _connection.InvokeAsync<WatchResult>("Watch", source, profileType, windowSeconds);

    public Task AckAsync(long seq) => _connection.InvokeAsync("Ack", seq);

    public Task UnwatchAsync() => _connection.InvokeAsync("Unwatch");

    /// <summary>The next update, or null when none arrives within <paramref name="timeout"/>.</summary>
    public async Task<ProfileUpdate?> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _updates.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Receives, applies and acknowledges updates until <paramref name="done"/> holds; fails after the timeout.</summary>
    public async Task<int> ApplyUntilAsync(Func<LiveProfileModel, Task<bool>> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var applied = 0;
        while (!await done(Model))
        {
            var left = deadline - DateTime.UtcNow;
            var update = left > TimeSpan.Zero ? await NextAsync(left) : null;
            Assert.True(update is not null, $"no update made the model match within {timeout} ({applied} applied)");
            ApplyAndKeep(update);
            await AckAsync(update.Seq);
            applied++;
        }

        return applied;
    }

    /// <summary>Applies an update to the model, checking that seq goes up by one per update on this connection.</summary>
    public void ApplyAndKeep(ProfileUpdate update)
    {
        Assert.Equal((_lastSeq ?? 0) + 1, update.Seq);
        _lastSeq = update.Seq;
        Model.Apply(update);
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
    }
}
