namespace OdigosUi.Profiles.Validation;

/// <summary>
/// One way a request breaks the OTLP Profiles rules. <see cref="Path"/> locates the message
/// (e.g. <c>resource_profiles[0].scope_profiles[0].profiles[1].samples[3]</c>), <see cref="Field"/> names the field
/// (e.g. <c>Sample.stack_index</c>), <see cref="Index"/> is the offending index when there is one.
/// </summary>
public sealed record ValidationError(string Path, string Field, long? Index, string Reason, ProfilePosition? Profile = null)
{
    public override string ToString() => Index is { } index
        ? $"{Path}: {Field} {index} {Reason}"
        : $"{Path}: {Field} {Reason}";
}

/// <summary>Where a profile sits in a request.</summary>
public readonly record struct ProfilePosition(int Resource, int Scope, int Profile);
