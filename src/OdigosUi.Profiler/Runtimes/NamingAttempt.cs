namespace OdigosUi.Profiler.Runtimes;

/// <summary>The outcome of asking a runtime for names: done, or why not and whether asking again may help.</summary>
public sealed record NamingAttempt(bool Success, string? Reason, bool Retry)
{
    public static NamingAttempt Succeeded { get; } = new(true, null, false);

    public static NamingAttempt Failed(string reason, bool retry) => new(false, reason, retry);
}
