using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using OdigosUi.Pipeline.Live;

namespace OdigosUi.LoadTest;

/// <summary>
/// A .NET SignalR client of <c>/hubs/profiles</c> (MessagePack, WebSockets) that applies every update to a
/// <see cref="LiveProfileModel"/> (which checks it), acknowledges it at once, and records its size on the wire.
/// </summary>
public sealed class LiveLoadClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly Lock _gate = new();
    private readonly List<(ProfileUpdate Update, long Bytes, long ArrivedTicks)> _received = [];
    private CountingWebSocket? _socket;
    private long _bytesAtLastUpdate;
    private Action<ProfileUpdate, long>? _onUpdate;

    private LiveLoadClient(Uri ui)
    {
        _connection = new HubConnectionBuilder()
            .WithUrl(new Uri(ui, "/hubs/profiles"), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
                options.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(context.Uri, cancellationToken);
                    _socket = new CountingWebSocket(socket);
                    return _socket;
                };
            })
            .AddMessagePackProtocol()
            .Build();
        _connection.On<ProfileUpdate>("update", Receive);
    }

    public LiveProfileModel Model { get; } = new();

    public int UpdateCount
    {
        get
        {
            lock (_gate)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>Every update so far with its bytes on the wire (since the previous update; acks are sent without replies).</summary>
    public IReadOnlyList<(ProfileUpdate Update, long Bytes, long ArrivedTicks)> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Called on the receiving thread after each update is applied, with its arrival timestamp.</summary>
    public void OnUpdate(Action<ProfileUpdate, long> handler) => _onUpdate = handler;

    public static async Task<LiveLoadClient> ConnectAsync(Uri ui)
    {
        var client = new LiveLoadClient(ui);
        await client._connection.StartAsync();
        return client;
    }

    public async Task WatchAsync(string source, int windowSeconds = 0)
    {
        var result = await _connection.InvokeAsync<WatchResult>("Watch", source, null, windowSeconds);
        if (!result.Ok)
        {
            throw new InvalidOperationException($"Watch {source}: {result.Error}");
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

    private void Receive(ProfileUpdate update)
    {
        var arrived = Stopwatch.GetTimestamp();
        var total = _socket?.BytesReceived ?? 0;
        lock (_gate)
        {
            Model.Apply(update);
            _received.Add((update, total - _bytesAtLastUpdate, arrived));
            _bytesAtLastUpdate = total;
        }

        _onUpdate?.Invoke(update, arrived);
        _ = _connection.SendAsync("Ack", update.Seq);
    }
}
