using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.Profiles.Validation;

/// <summary>
/// The <see cref="ProfileLimits"/> checks of <see cref="ProfilesValidator"/>: each counts in 64-bit arithmetic what the
/// request would make the core build, and refuses the whole request past a cap, before anything is built.
/// </summary>
internal static class RequestLimits
{
    /// <summary>Table sizes and the number of samples; false when the request is refused (nothing else is then walked).</summary>
    public static bool Check(ExportProfilesServiceRequest request, ProfilesDictionary d, ProfileLimits limits, ValidationResult result)
    {
        CheckTable(d.MappingTable.Count, "mapping_table", limits, result);
        CheckTable(d.LocationTable.Count, "location_table", limits, result);
        CheckTable(d.FunctionTable.Count, "function_table", limits, result);
        CheckTable(d.LinkTable.Count, "link_table", limits, result);
        CheckTable(d.StringTable.Count, "string_table", limits, result);
        CheckTable(d.AttributeTable.Count, "attribute_table", limits, result);
        CheckTable(d.StackTable.Count, "stack_table", limits, result);

        long samples = 0;
        foreach (var resourceProfiles in request.ResourceProfiles)
        {
            foreach (var scopeProfiles in resourceProfiles.ScopeProfiles)
            {
                foreach (var profile in scopeProfiles.Profiles)
                {
                    samples += profile.Samples.Count;
                }
            }
        }

        if (samples > limits.MaxSamplesPerRequest)
        {
            result.Add(new ValidationError("resource_profiles", "Profile.samples", null,
                $"hold {samples} samples in all; the limit is {limits.MaxSamplesPerRequest} ({ProfileLimits.Key(nameof(ProfileLimits.MaxSamplesPerRequest))})"));
        }

        return !result.RequestInvalid;
    }

    /// <summary>
    /// The frames every stack expands into (a location is one frame per line, or one when it has no lines), each stack
    /// counted at most up to its truncation: what resolving the request would hold. Needs valid location indices.
    /// </summary>
    public static void CheckFrames(ProfilesDictionary d, ProfileLimits limits, ValidationResult result)
    {
        var locations = d.LocationTable;
        var perStack = (long)limits.MaxStackDepth + 1;
        long total = 0;
        var stacks = d.StackTable;
        for (var s = 1; s < stacks.Count; s++)
        {
            var indices = stacks[s].LocationIndices;
            long frames = 0;
            for (var i = 0; i < indices.Count && frames < perStack; i++)
            {
                var index = indices[i];
                frames += index == 0 ? 1 : Math.Max(1, locations[index].Lines.Count);
            }

            total += Math.Min(frames, perStack);
            if (total > limits.MaxFramesPerRequest)
            {
                result.Add(new ValidationError("dictionary.stack_table", "Stack.location_indices", null,
                    $"expand to more than {limits.MaxFramesPerRequest} frames (one per line of every location; the limit is " +
                    $"{ProfileLimits.Key(nameof(ProfileLimits.MaxFramesPerRequest))})"));
                return;
            }
        }
    }

    private static void CheckTable(int count, string table, ProfileLimits limits, ValidationResult result)
    {
        if (count > limits.MaxTableEntries)
        {
            result.Add(new ValidationError("dictionary", table, null,
                $"has {count} entries; the limit is {limits.MaxTableEntries} ({ProfileLimits.Key(nameof(ProfileLimits.MaxTableEntries))})"));
        }
    }
}
