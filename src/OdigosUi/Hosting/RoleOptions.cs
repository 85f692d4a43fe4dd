using Microsoft.Extensions.Options;

namespace OdigosUi.Hosting;

/// <summary>The top-level <c>Role</c> setting (<c>--Role=node</c>, env <c>Role</c>).</summary>
public sealed class RoleOptions
{
    public const string Key = "Role";

    /// <summary>The configured name: one of <see cref="OdigosUiRoles.AllowedNames"/>.</summary>
    public string Role { get; set; } = OdigosUiRoles.DefaultName;

    /// <summary>The parsed role; only valid once the options passed validation.</summary>
    public OdigosUiRole Value => OdigosUiRoles.TryParse(Role, out OdigosUiRole role)
        ? role
        : throw new InvalidOperationException($"Invalid {Key} '{Role}'.");
}

/// <summary>Rejects a <c>Role</c> that is not one of the allowed names, naming them.</summary>
internal sealed class RoleOptionsValidator : IValidateOptions<RoleOptions>
{
    public ValidateOptionsResult Validate(string? name, RoleOptions options)
    {
        if (OdigosUiRoles.TryParse(options.Role, out _))
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(
            $"{RoleOptions.Key}: '{options.Role}' is not a valid role; allowed values: {string.Join(", ", OdigosUiRoles.AllowedNames)}.");
    }
}
