namespace OdigosUi.Profiles.Validation;

/// <summary>
/// The outcome of validating a request. Errors in the dictionary or a resource invalidate the whole request;
/// errors in one profile invalidate only that profile, so the rest can still be accepted (OTLP partial success).
/// </summary>
public sealed class ValidationResult
{
    public const int MaxErrors = 64;

    private readonly List<ValidationError> _errors = [];
    private readonly HashSet<ProfilePosition> _invalidProfiles = [];

    public IReadOnlyList<ValidationError> Errors => _errors;

    /// <summary>Errors beyond <see cref="MaxErrors"/> are counted but not kept.</summary>
    public int ErrorCount { get; private set; }

    public bool IsValid => ErrorCount == 0;

    /// <summary>True when no profile of the request can be used.</summary>
    public bool RequestInvalid { get; private set; }

    public int InvalidProfileCount => _invalidProfiles.Count;

    public bool IsProfileValid(ProfilePosition position) => !RequestInvalid && !_invalidProfiles.Contains(position);

    /// <summary>The first error and how many more there are, on one line.</summary>
    public string Summary => ErrorCount switch
    {
        0 => "valid",
        1 => _errors[0].ToString(),
        _ => $"{_errors[0]} (and {ErrorCount - 1} more)",
    };

    internal void Add(ValidationError error)
    {
        ErrorCount++;
        if (error.Profile is { } position)
        {
            _invalidProfiles.Add(position);
        }
        else
        {
            RequestInvalid = true;
        }

        if (_errors.Count < MaxErrors)
        {
            _errors.Add(error);
        }
    }
}
