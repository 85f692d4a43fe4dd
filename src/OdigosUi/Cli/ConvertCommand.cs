using System.CommandLine;
using System.CommandLine.Parsing;
using OdigosUi.Profiles.Conversion;

namespace OdigosUi.Cli;

/// <summary><c>odigos-ui profiles convert INPUT --to FORMAT [--profile-type T] [-o OUT]</c>.</summary>
internal static class ConvertCommand
{
    /// <summary>The file name that means standard input (as INPUT) or standard output (as OUT).</summary>
    public const string StandardStream = "-";

    public static Command Create(CliStreams io)
    {
        Argument<string> input = new("INPUT")
        {
            Description = "Profile to read: OTLP Profiles protobuf or JSON (gzip or not) or pprof; - for standard input",
        };
        Option<OutputFormat> to = new("--to")
        {
            Description = "Output format",
            HelpName = string.Join('|', OutputFormatNames.All),
            Required = true,
            CustomParser = ParseFormat,
        };
        to.CompletionSources.Add([.. OutputFormatNames.All]);
        Option<string?> profileType = new("--profile-type")
        {
            Description = "Profile type to convert, sampleType:sampleUnit:periodType:periodUnit (default: the CPU type when present)",
            HelpName = "T",
        };
        Option<string?> output = new("--output", "-o")
        {
            Description = "File to write; standard output when omitted or -",
            HelpName = "OUT",
        };

        Command command = new("convert", "Convert a profile to another format")
        {
            input,
            to,
            profileType,
            output,
        };
        command.SetAction(parse => Run(
            io,
            parse.GetRequiredValue(input),
            parse.GetValue(to),
            parse.GetValue(profileType),
            parse.GetValue(output)));
        return command;
    }

    private static OutputFormat ParseFormat(ArgumentResult result)
    {
        string value = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (OutputFormatNames.TryParse(value, out OutputFormat format))
        {
            return format;
        }

        result.AddError($"unknown --to value '{value}'; allowed values: {string.Join(", ", OutputFormatNames.All)}");
        return default;
    }

    private static int Run(CliStreams io, string inputPath, OutputFormat format, string? profileType, string? outputPath)
    {
        byte[] input = ReadInput(io, inputPath);

        ConversionResult result;
        try
        {
            result = ProfileConverter.Convert(input, format, string.IsNullOrWhiteSpace(profileType) ? null : profileType);
        }
        catch (ProfileFormatException e)
        {
            throw new CliFailure(CliExitCodes.InputError, $"{DisplayName(inputPath)}: {e.Message}");
        }

        WriteOutput(io, outputPath, result.Output);
        return CliExitCodes.Success;
    }

    private static byte[] ReadInput(CliStreams io, string path)
    {
        if (path == StandardStream)
        {
            using MemoryStream buffer = new();
            io.Input.CopyTo(buffer);
            return buffer.ToArray();
        }

        if (Directory.Exists(path))
        {
            throw new CliFailure(CliExitCodes.InputError, $"cannot read {path}: it is a directory");
        }

        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliFailure(CliExitCodes.InputError, $"input file not found: {path}");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliFailure(CliExitCodes.InputError, $"cannot read {path}: permission denied");
        }
        catch (IOException e)
        {
            throw new CliFailure(CliExitCodes.InputError, $"cannot read {path}: {e.Message}");
        }
    }

    private static void WriteOutput(CliStreams io, string? path, byte[] bytes)
    {
        if (path is null || path == StandardStream)
        {
            io.Output.Write(bytes);
            io.Output.Flush();
            return;
        }

        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure(CliExitCodes.InputError, $"cannot write {path}: {e.Message}");
        }
    }

    private static string DisplayName(string inputPath) => inputPath == StandardStream ? "standard input" : inputPath;
}
