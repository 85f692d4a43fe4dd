namespace OdigosUi.Profiles.Model;

/// <summary>A profile type as <c>sampleType:sampleUnit:periodType:periodUnit</c>, e.g. <c>samples:count:cpu:nanoseconds</c>.</summary>
public readonly record struct ProfileType(string SampleType, string SampleUnit, string PeriodType, string PeriodUnit)
{
    public static readonly ProfileType Cpu = new("samples", "count", "cpu", "nanoseconds");

    public bool IsCpu => PeriodType == "cpu";

    public override string ToString() => $"{SampleType}:{SampleUnit}:{PeriodType}:{PeriodUnit}";

    public static bool TryParse(string? text, out ProfileType type)
    {
        var parts = text?.Split(':');
        if (parts is not { Length: 4 } || string.IsNullOrEmpty(parts[0]))
        {
            type = default;
            return false;
        }

        type = new ProfileType(parts[0], parts[1], parts[2], parts[3]);
        return true;
    }

    public static ProfileType Parse(string text) => TryParse(text, out var type)
        ? type
        : throw new FormatException($"'{text}' is not a profile type of the form sampleType:sampleUnit:periodType:periodUnit");

    /// <summary>The CPU type when present (<see cref="Cpu"/> first, then any type whose period is cpu), else the first.</summary>
    public static ProfileType? PickDefault(IReadOnlyList<ProfileType> available)
    {
        if (available.Count == 0)
        {
            return null;
        }

        if (available.Contains(Cpu))
        {
            return Cpu;
        }

        foreach (var type in available)
        {
            if (type.IsCpu)
            {
                return type;
            }
        }

        return available[0];
    }
}
