using Microsoft.Extensions.Options;
using OdigosUi.Profiles.Validation;

namespace OdigosUi.Pipeline.Ingest;

/// <summary>Start-up validation of <c>Ingest:Limits:*</c>: every value out of range stops the start, naming its key.</summary>
public sealed class ProfileLimitsValidator : IValidateOptions<ProfileLimits>
{
    public ValidateOptionsResult Validate(string? name, ProfileLimits options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
