using Microsoft.Diagnostics.NETCore.Client;

namespace OdigosUi.Profiler.Runtimes.Dotnet;

/// <summary>
/// Asks a running .NET process (8 or later) to write its perf map, through the runtime's diagnostics IPC: the
/// <c>dotnet-diagnostic-PID-*-socket</c> in the process's own temp folder, which the diagnostics client finds across
/// container namespaces through <c>/proc/PID/root</c>. The runtime then lists the methods it already compiled and every
/// method it compiles from then on, as <c>DOTNET_PerfMapEnabled</c> would have from the start.
/// </summary>
public static class DotnetPerfMapEnabler
{
    public static async Task<NamingAttempt> EnableAsync(int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            var client = new DiagnosticsClient(pid);
            await Task.Run(() => client.EnablePerfMap(PerfMapType.PerfMap), bounded.Token).WaitAsync(bounded.Token).ConfigureAwait(false);
            return NamingAttempt.Succeeded;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return NamingAttempt.Failed($"the runtime's diagnostics IPC did not answer within {timeout.TotalSeconds:0.#} s", retry: true);
        }
        catch (UnsupportedCommandException)
        {
            return NamingAttempt.Failed("its runtime is older than .NET 8 and cannot turn its perf map on while running", retry: false);
        }
        catch (ServerNotAvailableException e)
        {
            return NamingAttempt.Failed($"its diagnostics IPC socket was not found ({FirstSentence(e.Message)}); DOTNET_EnableDiagnostics=0 turns it off", retry: true);
        }
        catch (Exception e) when (e is DiagnosticsClientException or IOException or UnauthorizedAccessException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return NamingAttempt.Failed($"the diagnostics IPC failed: {FirstSentence(e.Message)}", retry: true);
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOfAny(['.', '\n']);
        return (end > 0 ? message[..end] : message).Trim();
    }
}
