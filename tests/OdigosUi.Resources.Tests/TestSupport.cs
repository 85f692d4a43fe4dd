using Microsoft.Extensions.Options;
using OdigosUi.Resources.Catalog;
using OdigosUi.Resources.Destinations;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Tests;

/// <summary>A fresh directory under the temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "odigos-ui-resources-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TestServices
{
    public static DestinationService Destinations(IResourceStore store, string ns = ResourceOptions.DefaultNamespace) =>
        new(store, DestinationCatalog.LoadEmbedded(), Options.Create(new ResourceOptions { Namespace = ns }));

    public static DestinationRequest Pyroscope(string url = "pyroscope:4040", string? password = null, string name = "My Pyroscope")
    {
        var fields = new Dictionary<string, string?> { ["PYROSCOPE_URL"] = url, ["PYROSCOPE_TLS_ENABLED"] = "false" };
        if (password is not null)
        {
            fields["PYROSCOPE_BASIC_AUTH_USERNAME"] = "admin";
            fields["PYROSCOPE_BASIC_AUTH_PASSWORD"] = password;
        }

        return new DestinationRequest { Type = "pyroscope", Name = name, Signals = ["PROFILES"], Fields = fields };
    }

    /// <summary>Reads from an async stream with a timeout per item.</summary>
    public static async Task<T> NextAsync<T>(this IAsyncEnumerator<T> enumerator, int timeoutMs = 5000)
    {
        var move = enumerator.MoveNextAsync().AsTask();
        if (await Task.WhenAny(move, Task.Delay(timeoutMs)) != move)
        {
            throw new TimeoutException("No item arrived in time.");
        }

        Assert.True(await move, "The stream ended.");
        return enumerator.Current;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true in time.");
            }

            await Task.Delay(10);
        }
    }
}
