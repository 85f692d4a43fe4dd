using OdigosUi.Profiles.Aggregation;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Pipeline.Exporters;

/// <summary>What an exporter sends of a request.</summary>
public enum PayloadShape
{
    /// <summary>The request as received: its valid profiles with the dictionary they came with (OTLP exporters, internal hops).</summary>
    AsReceived,

    /// <summary>Shaped by <see cref="PyroscopeCompat"/> as far as Pyroscope needs, totals unchanged.</summary>
    Pyroscope,
}

public static class PayloadShapes
{
    /// <summary>The request <paramref name="shape"/> asks for; never modifies <paramref name="request"/>.</summary>
    public static ExportProfilesServiceRequest Apply(PayloadShape shape, ExportProfilesServiceRequest request, long defaultCpuPeriodNanos) =>
        shape == PayloadShape.Pyroscope ? PyroscopeCompat.Normalize(request, keepProfile: null, defaultCpuPeriodNanos) : request;

    /// <summary>The batch's valid profiles in the request <paramref name="shape"/> asks for; never modifies the batch.</summary>
    public static ExportProfilesServiceRequest Apply(PayloadShape shape, ProfileBatch batch, long defaultCpuPeriodNanos) =>
        shape == PayloadShape.Pyroscope ? PyroscopeCompat.Normalize(batch, defaultCpuPeriodNanos) : ValidProfiles(batch);

    /// <summary>The batch's request without its invalid profiles; the dictionary is the one received (indices keep their meaning).</summary>
    public static ExportProfilesServiceRequest ValidProfiles(ProfileBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var validation = batch.Validation;
        if (validation.RequestInvalid)
        {
            return new ExportProfilesServiceRequest();
        }

        if (validation.InvalidProfileCount == 0)
        {
            return batch.Request;
        }

        var request = batch.Request;
        var result = new ExportProfilesServiceRequest { Dictionary = request.Dictionary };
        for (var r = 0; r < request.ResourceProfiles.Count; r++)
        {
            var resourceProfiles = request.ResourceProfiles[r];
            var copy = new ResourceProfiles { SchemaUrl = resourceProfiles.SchemaUrl, Resource = resourceProfiles.Resource };
            for (var s = 0; s < resourceProfiles.ScopeProfiles.Count; s++)
            {
                var scopeProfiles = resourceProfiles.ScopeProfiles[s];
                var scopeCopy = new ScopeProfiles { SchemaUrl = scopeProfiles.SchemaUrl, Scope = scopeProfiles.Scope };
                for (var p = 0; p < scopeProfiles.Profiles.Count; p++)
                {
                    if (validation.IsProfileValid(new ProfilePosition(r, s, p)))
                    {
                        scopeCopy.Profiles.Add(scopeProfiles.Profiles[p]);
                    }
                }

                if (scopeCopy.Profiles.Count > 0)
                {
                    copy.ScopeProfiles.Add(scopeCopy);
                }
            }

            if (copy.ScopeProfiles.Count > 0)
            {
                result.ResourceProfiles.Add(copy);
            }
        }

        return result;
    }
}
