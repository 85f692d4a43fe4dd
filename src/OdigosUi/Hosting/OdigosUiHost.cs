using Microsoft.Extensions.Options;

namespace OdigosUi.Hosting;

/// <summary>Builds and runs the OdigosUi web host; Program.cs and the tests both start here.</summary>
public static class OdigosUiHost
{
    /// <summary>A builder with every OdigosUi service registered (<see cref="OdigosUiHostingExtensions.AddOdigosUi"/>).</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.AddOdigosUi();
        return builder;
    }

    /// <summary>The built application with every endpoint mapped, not yet started.</summary>
    public static WebApplication Build(string[] args)
    {
        WebApplication app = CreateBuilder(args).Build();
        app.MapOdigosUi();
        return app;
    }

    /// <summary>
    /// Runs until Ctrl+C or SIGTERM and returns the process exit code: 0 after a clean stop, 1 when start-up
    /// fails (invalid configuration, address in use), with the reasons on <paramref name="error"/>.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        try
        {
            await using WebApplication app = Build(args);

            // Validate options before starting, so a configuration mistake is reported as plain lines below
            // instead of the host's "Hosting failed to start" log with a stack trace. Start-up validates again.
            app.Services.GetService<IStartupValidator>()?.Validate();

            await app.RunAsync();
            return 0;
        }
        catch (Exception exception) when (StartupFailure.TryDescribe(exception, out IReadOnlyList<string> lines))
        {
            foreach (string line in lines)
            {
                await error.WriteLineAsync(line);
            }

            await error.FlushAsync(CancellationToken.None);
            return 1;
        }
    }
}

/// <summary>Turns a start-up exception into short lines for the user, without a stack trace.</summary>
internal static class StartupFailure
{
    public static bool TryDescribe(Exception exception, out IReadOnlyList<string> lines)
    {
        List<string> validationErrors = [];
        if (CollectValidationErrors(exception, validationErrors))
        {
            lines = ["odigos-ui: invalid configuration:", .. validationErrors.Select(e => "  " + e)];
            return true;
        }

        if (exception is IOException or System.Net.Sockets.SocketException)
        {
            lines = [$"odigos-ui: cannot start: {OneLine(exception.Message)}"];
            return true;
        }

        lines = [];
        return false;
    }

    private static bool CollectValidationErrors(Exception exception, List<string> errors)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                errors.AddRange(validation.Failures.Select(OneLine));
                return true;
            case AggregateException aggregate:
                bool all = aggregate.InnerExceptions.Count > 0;
                foreach (Exception inner in aggregate.InnerExceptions)
                {
                    all &= CollectValidationErrors(inner, errors);
                }

                return all;
            default:
                return false;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
