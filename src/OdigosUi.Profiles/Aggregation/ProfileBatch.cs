using OdigosUi.Profiles.Model;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Profiles;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Profiles.Aggregation;

/// <summary>One valid profile of a request with its identity resolved.</summary>
public sealed record BatchProfile(SourceKey Source, ProfileType Type, Profile Profile, ProfilePosition Position);

/// <summary>
/// A validated request, ready to be added to trees: its Source keys and profile types resolved once.
/// Invalid profiles are left out.
/// </summary>
public sealed class ProfileBatch
{
    private ProfileBatch(ExportProfilesServiceRequest request, ValidationResult validation, DictionaryView dictionary, List<BatchProfile> profiles, ProfileLimits limits)
    {
        Limits = limits;
        Request = request;
        Validation = validation;
        Dictionary = dictionary;
        Profiles = profiles;
    }

    public ExportProfilesServiceRequest Request { get; }

    public ValidationResult Validation { get; }

    public DictionaryView Dictionary { get; }

    public IReadOnlyList<BatchProfile> Profiles { get; }

    /// <summary>The limits the request was validated with; resolve its stacks with the same (see <see cref="StackResolver"/>).</summary>
    public ProfileLimits Limits { get; }

    public static ProfileBatch Create(ExportProfilesServiceRequest request) => Create(request, ProfileLimits.Default);

    public static ProfileBatch Create(ExportProfilesServiceRequest request, ProfileLimits limits) =>
        Create(request, ProfilesValidator.Validate(request, limits), limits);

    /// <summary>A batch of a request already known to be valid as a whole (e.g. what is left after removing invalid profiles).</summary>
    public static ProfileBatch CreateValidated(ExportProfilesServiceRequest request) => Create(request, new ValidationResult());

    /// <inheritdoc cref="CreateValidated(ExportProfilesServiceRequest)"/>
    public static ProfileBatch CreateValidated(ExportProfilesServiceRequest request, ProfileLimits limits) => Create(request, new ValidationResult(), limits);

    public static ProfileBatch Create(ExportProfilesServiceRequest request, ValidationResult validation) => Create(request, validation, ProfileLimits.Default);

    /// <summary>A batch of <paramref name="request"/> validated as <paramref name="validation"/> says, with <paramref name="limits"/>.</summary>
    public static ProfileBatch Create(ExportProfilesServiceRequest request, ValidationResult validation, ProfileLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var dictionary = new DictionaryView(request.Dictionary);
        var profiles = new List<BatchProfile>();
        if (!validation.RequestInvalid)
        {
            for (var r = 0; r < request.ResourceProfiles.Count; r++)
            {
                var resourceProfiles = request.ResourceProfiles[r];
                var source = dictionary.SourceKey(resourceProfiles.Resource);
                for (var s = 0; s < resourceProfiles.ScopeProfiles.Count; s++)
                {
                    var scopeProfiles = resourceProfiles.ScopeProfiles[s];
                    for (var p = 0; p < scopeProfiles.Profiles.Count; p++)
                    {
                        var position = new ProfilePosition(r, s, p);
                        if (validation.IsProfileValid(position))
                        {
                            var profile = scopeProfiles.Profiles[p];
                            profiles.Add(new BatchProfile(source, dictionary.ProfileType(profile), profile, position));
                        }
                    }
                }
            }
        }

        return new ProfileBatch(request, validation, dictionary, profiles, limits);
    }

    /// <summary>Adds one profile's samples to <paramref name="tree"/>; returns the number of samples added.</summary>
    public static int AddTo(ProfileTree tree, BatchProfile profile, StackResolver resolver, long receivedUnixNano) =>
        AddTo(tree, profile, resolver, receivedUnixNano, allowNewStacks: true).Added;

    /// <summary>
    /// Adds one profile's samples to <paramref name="tree"/>. Samples of stacks the tree has never seen are dropped and
    /// counted instead when <paramref name="allowNewStacks"/> is false (no frame is interned then: a full buffer only
    /// looks up) or the tree's memory budget cannot hold them.
    /// </summary>
    public static (int Added, int Dropped) AddTo(ProfileTree tree, BatchProfile profile, StackResolver resolver, long receivedUnixNano, bool allowNewStacks)
    {
        var data = profile.Profile;
        if (data.Period != 0)
        {
            tree.Period = data.Period;
        }

        var profileTime = data.TimeUnixNano != 0 ? (long)data.TimeUnixNano : receivedUnixNano;
        var samples = data.Samples;
        var stamp = resolver.BeginNodeCache();
        var dropped = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            if (CarriesNothing(sample))
            {
                continue;
            }

            var stackIndex = sample.StackIndex;
            if (!resolver.TryGetCachedNode(stamp, stackIndex, out var node))
            {
                if (allowNewStacks)
                {
                    if (!tree.TryInternStack(resolver.RootFirst(stackIndex), out node))
                    {
                        node = -1;
                    }
                }
                else if (!resolver.TryFindRootFirst(stackIndex, out var frames) || !tree.TryFindStack(frames, out node))
                {
                    node = -1;
                }

                resolver.CacheNode(stamp, stackIndex, node);
            }

            if (node < 0)
            {
                dropped++;
                continue;
            }

            AddObservations(tree, node, sample, profileTime);
        }

        tree.CountSamples(samples.Count - dropped);
        return (samples.Count - dropped, dropped);
    }

    /// <summary>Each observation of a sample in the time bucket of its own timestamp; without timestamps, the sum at the profile's time.</summary>
    private static void AddObservations(ProfileTree tree, int node, Sample sample, long profileTime)
    {
        var values = sample.Values;
        var timestamps = sample.TimestampsUnixNano;
        if (timestamps.Count == 0)
        {
            tree.Add(node, DictionaryView.SampleValue(sample), profileTime);
            return;
        }

        for (var t = 0; t < timestamps.Count; t++)
        {
            var value = values.Count == 0 ? 1 : values[t];
            if (value != 0)
            {
                tree.Add(node, value, (long)timestamps[t]);
            }
        }
    }

    /// <summary>A sample whose every value is 0 adds nothing, so its stack is not even interned.</summary>
    private static bool CarriesNothing(Sample sample)
    {
        var values = sample.Values;
        if (values.Count == 0)
        {
            return sample.TimestampsUnixNano.Count == 0;
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] != 0)
            {
                return false;
            }
        }

        return true;
    }
}
