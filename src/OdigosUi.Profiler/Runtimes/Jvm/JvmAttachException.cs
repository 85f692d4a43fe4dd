namespace OdigosUi.Profiler.Runtimes.Jvm;

/// <summary>Why a diagnostic command could not be run in a JVM.</summary>
public enum JvmAttachFailure
{
    /// <summary>No such process, or it does not run HotSpot (no libjvm.so mapped).</summary>
    NotAJvm,

    /// <summary>The JVM runs with <c>-XX:+DisableAttachMechanism</c>, or does not handle SIGQUIT (<c>-Xrs</c>).</summary>
    AttachDisabled,

    /// <summary>No attach listener came up, or no reply came, within the time bound.</summary>
    TimedOut,

    /// <summary>The attach socket refused the connection or closed it without a reply (e.g. the JVM rejected our user).</summary>
    Refused,

    /// <summary>The JVM ran the command and reported an error.</summary>
    CommandFailed,
}

public sealed class JvmAttachException(JvmAttachFailure reason, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public JvmAttachFailure Reason { get; } = reason;
}
