using Microsoft.Extensions.Options;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Slots;
using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Formats.Flamebearer;
using OdigosUi.Profiles.Formats.Folded;
using OdigosUi.Profiles.Formats.Pprof;
using OdigosUi.Profiles.Model;

namespace OdigosUi.Api;

/// <summary>
/// <c>/api/profiling</c>: open, close and clear a Source's profiling slot, list slots, and read its flame graph as
/// flamebearer JSON, folded text or gzip pprof, optionally for a recent window (<c>window=1m|5m|15m|all</c>).
/// </summary>
public static class ProfilingEndpoints
{
    private const string SourceRoute = "/api/profiling/{namespace}/{kind}/{name}";

    public static IEndpointRouteBuilder MapProfilingApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").AddEndpointFilter(async (context, next) =>
        {
            var options = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<ProfilingOptions>>();
            return options.CurrentValue.Enabled
                ? await next(context)
                : Results.Problem("profiling is disabled (Profiling:Enabled=false)", statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        group.MapGet("/api/profiling/slots", (ProfilingSlots slots) => Results.Ok(new
        {
            options = slots.Options,
            totalBytes = slots.TotalBytes,
            slots = slots.List().Select(SlotDto.From),
        }));

        group.MapPost(SourceRoute, (string @namespace, string kind, string name, ProfilingSlots slots) =>
            Results.Ok(SlotDto.From(slots.Open(new SourceKey(@namespace, kind, name)))));

        group.MapDelete(SourceRoute, (string @namespace, string kind, string name, ProfilingSlots slots) =>
            slots.Close(new SourceKey(@namespace, kind, name)) ? Results.NoContent() : NoSlot(@namespace, kind, name));

        group.MapPost(SourceRoute + "/clear", (string @namespace, string kind, string name, ProfilingSlots slots) =>
            slots.Clear(new SourceKey(@namespace, kind, name)) ? Results.NoContent() : NoSlot(@namespace, kind, name));

        group.MapGet(SourceRoute + "/flamegraph", FlameGraph);
        return endpoints;
    }

    private static IResult FlameGraph(string @namespace, string kind, string name, string? format, string? profileType, string? window, ProfilingSlots slots, TimeProvider time)
    {
        ProfileType? type = null;
        if (!string.IsNullOrEmpty(profileType))
        {
            if (!ProfileType.TryParse(profileType, out var parsed))
            {
                return Results.Problem($"profileType '{profileType}' is not of the form sampleType:sampleUnit:periodType:periodUnit", statusCode: 400);
            }

            type = parsed;
        }

        if (!TryParseWindow(window, time, out var timeWindow))
        {
            return Results.Problem($"window '{window}' is not one of 1m, 5m, 15m, 1h, all", statusCode: 400);
        }

        format = string.IsNullOrEmpty(format) ? "flamebearer" : format.ToLowerInvariant();
        if (format is not ("flamebearer" or "folded" or "pprof"))
        {
            return Results.Problem($"format '{format}' is not one of flamebearer, folded, pprof", statusCode: 400);
        }

        var source = new SourceKey(@namespace, kind, name);
        var read = slots.Snapshot(source, type, timeWindow);
        if (read is null)
        {
            return NoSlot(@namespace, kind, name);
        }

        if (type is { } requested && !read.AvailableTypes.Contains(requested) && read.AvailableTypes.Count > 0)
        {
            return Results.Problem($"profile type '{requested}' is not in this slot; it has: {string.Join(", ", read.AvailableTypes)}", statusCode: 404);
        }

        var snapshot = read.Snapshot ?? Empty(read.Type ?? type ?? ProfileType.Cpu);
        return format switch
        {
            "folded" => Results.Bytes(FoldedWriter.Write(snapshot), "text/plain; charset=utf-8"),
            "pprof" => Results.File(PprofWriter.Write(snapshot, time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000), "application/octet-stream", $"{name}.pb.gz"),
            _ => Results.Bytes(FlamebearerWriter.Write(snapshot, $"{source} {snapshot.Type}"), "application/json"),
        };
    }

    internal static bool TryParseWindow(string? text, TimeProvider time, out TimeWindow window)
    {
        window = TimeWindow.All;
        TimeSpan span;
        switch (text)
        {
            case null or "" or "all":
                return true;
            case "1m": span = TimeSpan.FromMinutes(1); break;
            case "5m": span = TimeSpan.FromMinutes(5); break;
            case "15m": span = TimeSpan.FromMinutes(15); break;
            case "1h": span = TimeSpan.FromHours(1); break;
            default: return false;
        }

        window = TimeWindow.Last(span, time.GetUtcNow());
        return true;
    }

    private static ProfileSnapshot Empty(ProfileType type) => new(type, 0, [-1], [-1], [0], [false], []);

    private static IResult NoSlot(string @namespace, string kind, string name) => Results.Problem(
        $"no profiling slot is open for {@namespace}/{kind}/{name}; POST /api/profiling/{@namespace}/{kind}/{name} opens one",
        statusCode: StatusCodes.Status404NotFound);

    private sealed record SlotDto(string Source, string Namespace, string Kind, string Name, DateTimeOffset OpenedAt, DateTimeOffset LastViewedAt,
        long SampleCount, long DroppedSamples, long EstimatedBytes, bool Full, IReadOnlyList<string> ProfileTypes)
    {
        public static SlotDto From(SlotInfo info) => new(info.Source.ToString(), info.Source.Namespace, info.Source.Kind, info.Source.Name,
            info.OpenedAt, info.LastViewedAt, info.SampleCount, info.DroppedSamples, info.EstimatedBytes, info.Full, info.ProfileTypes);
    }
}
