namespace OdigosUi.Profiles.Conversion;

/// <summary>Output formats of <see cref="ProfileConverter"/>.</summary>
public enum OutputFormat
{
    Folded,
    Pprof,
    Flamebearer,
    Otlp,
}

/// <summary>The converted bytes and the profile type they hold.</summary>
public sealed record ConversionResult(byte[] Output, string ProfileType, IReadOnlyList<string> AvailableProfileTypes);

/// <summary>Input that cannot be read or fails validation; the message is one line meant for a user.</summary>
public sealed class ProfileFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads any supported profile payload and writes one profile type of it, all resources merged.</summary>
public static class ProfileConverter
{
    public static ConversionResult Convert(ReadOnlyMemory<byte> input, OutputFormat format, string? profileType)
        => throw new NotImplementedException();
}
