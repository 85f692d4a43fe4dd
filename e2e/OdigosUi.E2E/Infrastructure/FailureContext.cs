using Microsoft.Playwright;

namespace OdigosUi.E2E.Infrastructure;

/// <summary>
/// What a failed browser test needs to be understood from CI's output alone: the browser's console and page errors
/// (Blazor reports a broken circuit there) and the end of the app's log.
/// </summary>
public sealed class FailureContext
{
    private const int MaxConsoleLines = 200;
    private const int AppLogChars = 20_000;
    private readonly Queue<string> _console = new();
    private readonly AppUnderTest _app;

    private FailureContext(IPage page, AppUnderTest app)
    {
        _app = app;
        page.Console += (_, message) => Add($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => Add($"page error: {error}");
    }

    public static FailureContext Watch(IPage page, AppUnderTest app) => new(page, app);

    /// <summary>Runs a step of the test; when it fails, the exception carries the console and the app's log.</summary>
    public async Task RunAsync(Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception ex)
        {
            throw new Exception($"{ex.Message}\n--- browser console ---\n{ConsoleLines()}\n--- end of the app's log ---\n{AppLogTail()}", ex);
        }
    }

    private void Add(string line)
    {
        lock (_console)
        {
            _console.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            while (_console.Count > MaxConsoleLines)
            {
                _console.Dequeue();
            }
        }
    }

    private string ConsoleLines()
    {
        lock (_console)
        {
            return _console.Count == 0 ? "(nothing)" : string.Join('\n', _console);
        }
    }

    private string AppLogTail()
    {
        var log = _app.Log;
        return log.Length <= AppLogChars ? log : log[^AppLogChars..];
    }
}
