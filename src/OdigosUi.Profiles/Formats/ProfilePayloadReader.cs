using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Google.Protobuf;
using OdigosUi.Profiles.Conversion;
using OdigosUi.Profiles.Formats.Otlp;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Profiles.Formats;

/// <summary>
/// Reads a profile file of unknown encoding: gzip or not, then OTLP/JSON, pprof or OTLP protobuf.
/// Decompression stops at <c>maxDecompressedBytes</c>, so a gzip bomb is refused rather than expanded.
/// </summary>
public static class ProfilePayloadReader
{
    public const long DefaultMaxDecompressedBytes = 1L << 30;

    /// <summary>
    /// Reads every request of a file: one, or one per line for OTLP/JSON Lines (what the Collector's file exporter
    /// writes).
    /// </summary>
    public static (IReadOnlyList<ExportProfilesServiceRequest> Requests, PayloadFormat Format) ReadAll(ReadOnlyMemory<byte> input, long maxDecompressedBytes = DefaultMaxDecompressedBytes) =>
        ReadAll(input, maxDecompressedBytes, FileLimits(maxDecompressedBytes));

    /// <summary>
    /// <see cref="ReadAll(ReadOnlyMemory{byte}, long)"/> with <paramref name="limits"/> for OTLP/JSON documents
    /// (<see cref="ProfileLimits.MaxJsonBytes"/> per document, and what parsing one may allocate).
    /// </summary>
    public static (IReadOnlyList<ExportProfilesServiceRequest> Requests, PayloadFormat Format) ReadAll(ReadOnlyMemory<byte> input, long maxDecompressedBytes, ProfileLimits limits)
    {
        var bytes = IsGzip(input.Span) ? Gunzip(input, maxDecompressedBytes) : input;
        if (!LooksLikeJson(bytes.Span))
        {
            var (request, format) = Read(bytes, maxDecompressedBytes, limits);
            return ([request], format);
        }

        var documents = JsonDocuments(bytes);
        return ([.. documents.Select(document => OtlpJsonReader.Read(document.Span, limits))], PayloadFormat.OtlpJson);
    }

    public static (ExportProfilesServiceRequest Request, PayloadFormat Format) Read(ReadOnlyMemory<byte> input, long maxDecompressedBytes = DefaultMaxDecompressedBytes) =>
        Read(input, maxDecompressedBytes, FileLimits(maxDecompressedBytes));

    /// <summary>
    /// A file is bounded by what it may expand to: its OTLP/JSON by that size too (rather than the receivers' lower
    /// limit), and by what parsing it may allocate.
    /// </summary>
    private static ProfileLimits FileLimits(long maxDecompressedBytes) =>
        ProfileLimits.Default with { MaxJsonBytes = Math.Max(ProfileLimits.Default.MaxJsonBytes, maxDecompressedBytes) };

    public static (ExportProfilesServiceRequest Request, PayloadFormat Format) Read(ReadOnlyMemory<byte> input, long maxDecompressedBytes, ProfileLimits limits)
    {
        var bytes = IsGzip(input.Span) ? Gunzip(input, maxDecompressedBytes) : input;
        var span = bytes.Span;
        if (span.IsEmpty)
        {
            throw new ProfileFormatException("input is empty");
        }

        if (LooksLikeJson(span))
        {
            return (OtlpJsonReader.Read(span, limits), PayloadFormat.OtlpJson);
        }

        if (PprofReader.LooksLikePprof(span))
        {
            return (PprofReader.Read(span), PayloadFormat.Pprof);
        }

        return (ParseOtlp(span), PayloadFormat.OtlpProtobuf);
    }

    public static ExportProfilesServiceRequest ParseOtlp(ReadOnlySpan<byte> bytes)
    {
        ExportProfilesServiceRequest request;
        try
        {
            request = LenientProtobuf.Parse(ExportProfilesServiceRequest.Parser, bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ProfileFormatException($"not an OTLP profiles request, pprof profile or OTLP/JSON document: {e.Message}", e);
        }

        if (request.ResourceProfiles.Count == 0 && request.Dictionary is null)
        {
            throw new ProfileFormatException("not an OTLP profiles request, pprof profile or OTLP/JSON document: no resource_profiles and no dictionary");
        }

        return request;
    }

    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    /// <summary>Decompresses gzip, refusing output larger than <paramref name="maxBytes"/>.</summary>
    public static ReadOnlyMemory<byte> Gunzip(ReadOnlyMemory<byte> input, long maxBytes)
    {
        using var source = new MemoryStream(input.ToArray(), writable: false);
        using var gzip = new GZipStream(source, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > maxBytes)
                {
                    throw new ProfileFormatException($"gzip input expands beyond the limit of {maxBytes} bytes");
                }

                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new ProfileFormatException($"corrupt gzip data: {e.Message}", e);
        }

        // GZipStream ends quietly on a truncated stream; the trailer's ISIZE (length mod 2^32) tells.
        var span = input.Span;
        if (span.Length < 18 || BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]) != (uint)output.Length)
        {
            throw new ProfileFormatException("corrupt gzip data: truncated or damaged (the trailer's size does not match)");
        }

        return output.GetBuffer().AsMemory(0, (int)output.Length);
    }

    /// <summary>Splits concatenated top-level JSON values (JSON Lines); a malformed document is left whole for the reader to explain.</summary>
    private static List<ReadOnlyMemory<byte>> JsonDocuments(ReadOnlyMemory<byte> bytes)
    {
        var documents = new List<ReadOnlyMemory<byte>>();
        var reader = new System.Text.Json.Utf8JsonReader(bytes.Span, new System.Text.Json.JsonReaderOptions { AllowMultipleValues = true, CommentHandling = System.Text.Json.JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                documents.Add(bytes[start..(int)reader.BytesConsumed]);
            }
        }
        catch (System.Text.Json.JsonException)
        {
            return [bytes];
        }

        return documents.Count == 0 ? [bytes] : documents;
    }

    private static bool LooksLikeJson(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
        {
            bytes = bytes[3..];
        }

        foreach (var b in bytes)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            return b == (byte)'{';
        }

        return false;
    }
}
