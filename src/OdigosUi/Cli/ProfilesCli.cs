using System.CommandLine;
using System.CommandLine.Help;
using System.Text;

namespace OdigosUi.Cli;

/// <summary>
/// The <c>odigos-ui profiles ...</c> command line. Every failure is one <c>odigos-ui: reason</c> line on
/// standard error, never a stack trace: exit code 2 for usage errors, 1 for input and output errors.
/// </summary>
internal static class ProfilesCli
{
    public const string CommandName = "profiles";

    /// <summary>Whether <paramref name="args"/> is a CLI invocation rather than a web host start.</summary>
    public static bool Handles(IReadOnlyList<string> args) => args.Count > 0 && args[0] == CommandName;

    public static int Run(string[] args, CliStreams io)
    {
        RootCommand root = new("odigos-ui: the OdigosUi server and its profile tools")
        {
            new Command(CommandName, "Work with profile files offline")
            {
                ConvertCommand.Create(io),
            },
        };

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            WriteFailure(io, string.Join(" ", parse.Errors.Select(e => e.Message)));
            return CliExitCodes.UsageError;
        }

        using StreamWriter helpOutput = new(io.Output, new UTF8Encoding(false), bufferSize: 4096, leaveOpen: true);
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = helpOutput,
                Error = io.Error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (CliFailure failure)
        {
            WriteFailure(io, failure.Message);
            return failure.ExitCode;
        }
        catch (Exception e)
        {
            // Anything unforeseen (including a converter bug) still ends as one line, not a stack trace.
            WriteFailure(io, $"{e.GetType().Name}: {e.Message}");
            return CliExitCodes.InputError;
        }
        finally
        {
            helpOutput.Flush();
        }
    }

    private static void WriteFailure(CliStreams io, string reason)
    {
        io.Error.WriteLine(CliFailure.Format(reason));
        io.Error.Flush();
    }
}
