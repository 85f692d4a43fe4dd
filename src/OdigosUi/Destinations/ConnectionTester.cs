using System.Diagnostics;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using OdigosUi.Pipeline.Exporters;
using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Otlp.Resource;
using OdigosUi.Resources.Destinations;
using OtlpValueType = OdigosUi.Profiles.Otlp.Profiles.ValueType;

namespace OdigosUi.Destinations;

[JsonConverter(typeof(JsonStringEnumConverter<ConnectionVerdict>))]
public enum ConnectionVerdict
{
    /// <summary>The endpoint took a real profile.</summary>
    Ok,

    /// <summary>The endpoint answered but refused the profile (4xx, 500, gRPC INVALID_ARGUMENT, ...).</summary>
    Rejected,

    /// <summary>No answer: connection refused, DNS, TLS, timeout, 429/503.</summary>
    Unreachable,

    /// <summary>Not attempted: the host is outside <c>Destinations:TestConnection:AllowedHosts</c>.</summary>
    NotAllowed,
}

/// <summary>The answer of <c>POST /api/destinations/test-connection</c> and of the wizard's Test connection button.</summary>
public sealed record ConnectionTestResult(
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("verdict")] ConnectionVerdict Verdict,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("endpoint")] string? Endpoint,
    [property: JsonPropertyName("durationMs")] long DurationMs);

/// <summary>
/// Tests a Destination the way its exporter will use it: builds the real exporter from the form's values and sends
/// one small, valid CPU profile once, without retries, then reports the outcome in words.
/// </summary>
public sealed class ConnectionTester(DestinationService destinations, IOptions<ConnectionTestOptions> options, TimeProvider time)
{
    public const string ServiceName = "odigos-ui-connection-test";

    /// <summary>Throws <see cref="DestinationValidationException"/> when the values are not valid.</summary>
    public async Task<ConnectionTestResult> TestAsync(DestinationRequest request, string? id, CancellationToken cancellationToken)
    {
        var resolved = await destinations.ResolveRequestAsync(request, id, cancellationToken).ConfigureAwait(false);
        var config = new DestinationConfig(string.IsNullOrEmpty(resolved.Id) ? "connection-test" : resolved.Id, resolved.Type, resolved.Name, resolved.Fields, resolved.Signals);
        var errors = DestinationConfigValidator.Validate(config);
        if (errors.Count > 0)
        {
            throw new DestinationValidationException(DestinationConfigValidator.ByField(errors)
                .ToDictionary(e => e.Key is "type" or "signals" ? e.Key : $"fields.{e.Key}", e => e.Value, StringComparer.Ordinal));
        }

        var settings = options.Value;
        var exporterOptions = new ExporterOptions { Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds), MaxResponseBytes = settings.MaxResponseBytes };
        await using var exporter = DestinationExporter.Create(config, exporterOptions, time);
        var endpoint = exporter.Endpoint.ToString();
        if (!settings.Allows(exporter.Endpoint.Host))
        {
            return new(false, ConnectionVerdict.NotAllowed,
                $"{exporter.Endpoint.Host} is not in the hosts this server may test ({ConnectionTestOptions.SectionName}:AllowedHosts)", endpoint, 0);
        }

        var stopwatch = Stopwatch.StartNew();
        var result = await exporter.SendOnceAsync(SampleRequest(time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        var elapsed = stopwatch.ElapsedMilliseconds;
        return result.Outcome switch
        {
            SendOutcome.Success => new(true, ConnectionVerdict.Ok,
                result.Message is { Length: > 0 } warning ? $"accepted with a warning: {warning}" : "the endpoint accepted a test profile", endpoint, elapsed),
            SendOutcome.Permanent => new(false, ConnectionVerdict.Rejected, result.Message ?? "the endpoint refused the test profile", endpoint, elapsed),
            _ => new(false, ConnectionVerdict.Unreachable, result.Message ?? "no answer from the endpoint", endpoint, elapsed),
        };
    }

    /// <summary>One CPU sample of one frame, valid for Pyroscope (zero values, samples/count over cpu/nanoseconds).</summary>
    public static ExportProfilesServiceRequest SampleRequest(DateTimeOffset now)
    {
        var dictionary = ProfilesDictionaries.WithZeroValues();
        int Str(string value)
        {
            dictionary.StringTable.Add(value);
            return dictionary.StringTable.Count - 1;
        }

        var function = new Function { NameStrindex = Str("odigos_ui_connection_test") };
        dictionary.FunctionTable.Add(function);
        var location = new Location();
        location.Lines.Add(new Line { FunctionIndex = dictionary.FunctionTable.Count - 1 });
        dictionary.LocationTable.Add(location);
        var stack = new Stack();
        stack.LocationIndices.Add(dictionary.LocationTable.Count - 1);
        dictionary.StackTable.Add(stack);

        var nanos = (ulong)now.ToUnixTimeMilliseconds() * 1_000_000UL;
        var profile = new Profile
        {
            SampleType = new OtlpValueType { TypeStrindex = Str("samples"), UnitStrindex = Str("count") },
            PeriodType = new OtlpValueType { TypeStrindex = Str("cpu"), UnitStrindex = Str("nanoseconds") },
            Period = 1_000_000_000 / 19,
            TimeUnixNano = nanos,
            DurationNano = 1_000_000_000,
            ProfileId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
        };
        var sample = new Sample { StackIndex = dictionary.StackTable.Count - 1 };
        sample.Values.Add(1);
        profile.Samples.Add(sample);

        var resource = new Resource();
        resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = ServiceName } });
        var scope = new ScopeProfiles { Scope = new InstrumentationScope { Name = "odigos-ui" } };
        scope.Profiles.Add(profile);
        var resourceProfiles = new ResourceProfiles { Resource = resource };
        resourceProfiles.ScopeProfiles.Add(scope);
        var request = new ExportProfilesServiceRequest { Dictionary = dictionary };
        request.ResourceProfiles.Add(resourceProfiles);
        return request;
    }
}
