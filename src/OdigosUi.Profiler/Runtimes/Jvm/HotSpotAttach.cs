using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace OdigosUi.Profiler.Runtimes.Jvm;

/// <summary>
/// Runs a diagnostic command (what <c>jcmd PID ...</c> runs) in a running HotSpot JVM through its dynamic attach
/// listener, from the host as root, also in another container: the JVM's files are reached through
/// <c>/proc/PID/root</c> and <c>/proc/PID/cwd</c> and named by its pid in its own namespace, so no namespace is entered.
/// A JVM whose listener is not up yet is asked to start it (a <c>.attach_pidNSPID</c> file and SIGQUIT), never when the
/// socket already exists (SIGQUIT would then print a thread dump). Every step is bounded by one time limit.
/// </summary>
public static partial class HotSpotAttach
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private const int Sigquit = 3;
    private const int Esrch = 3;
    private const int MaxReplyBytes = 16 << 20;
    private const UnixFileMode TriggerMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>
    /// Runs <paramref name="commandLine"/> (e.g. <c>Compiler.perfmap</c>, <c>VM.flags</c>) in the JVM with host pid
    /// <paramref name="pid"/> and returns its output. Throws <see cref="JvmAttachException"/> (see its reason) and,
    /// when <paramref name="cancellationToken"/> is cancelled, <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<string> ExecuteAsync(int pid, string commandLine, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var request = JcmdRequest(commandLine);
        var target = JvmTarget.Read(pid);
        var limit = timeout ?? DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        var waitingFor = "a reply";
        try
        {
            if (!File.Exists(target.SocketPath))
            {
                waitingFor = "the attach listener to start after SIGQUIT (is it started with -XX:+DisableAttachMechanism, or stopped?)";
                await StartListenerAsync(target, deadline.Token);
                waitingFor = "a reply";
            }

            var reply = await RequestAsync(target, request, deadline.Token);
            return reply.Code == 0
                ? reply.Output
                : throw new JvmAttachException(JvmAttachFailure.CommandFailed, $"JVM {pid} failed {commandLine} ({reply.Code}): {reply.Output.Trim()}");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new JvmAttachException(JvmAttachFailure.TimedOut, $"JVM {pid}: no {waitingFor} within {limit.TotalSeconds:0.#} s", e);
        }
    }

    /// <summary>A protocol version 1 request: the version, "jcmd" and its three arguments (the command line, two empty), each ending with a NUL.</summary>
    internal static byte[] JcmdRequest(string commandLine)
    {
        const int maxArgumentBytes = 1024;
        if (Encoding.UTF8.GetByteCount(commandLine) > maxArgumentBytes || commandLine.Contains('\0'))
        {
            throw new ArgumentException($"a command line is at most {maxArgumentBytes} bytes, without NUL", nameof(commandLine));
        }

        return Encoding.UTF8.GetBytes($"1\0jcmd\0{commandLine}\0\0\0");
    }

    private static async Task StartListenerAsync(JvmTarget target, CancellationToken cancellationToken)
    {
        if (target.AttachDisabledByOptions())
        {
            throw new JvmAttachException(JvmAttachFailure.AttachDisabled, $"JVM {target.Pid} runs with -XX:+DisableAttachMechanism");
        }

        if (!target.HandlesSigquit)
        {
            // With -Xrs the JVM leaves SIGQUIT to its default action: it would dump core and exit.
            throw new JvmAttachException(JvmAttachFailure.AttachDisabled, $"JVM {target.Pid} does not handle SIGQUIT (-Xrs?), so its attach listener cannot be started");
        }

        var trigger = CreateTrigger(target);
        try
        {
            if (Kill(target.Pid, Sigquit) != 0)
            {
                var error = Marshal.GetLastPInvokeError();
                throw new JvmAttachException(error == Esrch ? JvmAttachFailure.NotAJvm : JvmAttachFailure.Refused, $"JVM {target.Pid} cannot be sent SIGQUIT ({Marshal.GetPInvokeErrorMessage(error)})");
            }

            var delay = TimeSpan.FromMilliseconds(10);
            while (!File.Exists(target.SocketPath))
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
            }
        }
        finally
        {
            File.Delete(trigger);
        }
    }

    /// <summary>
    /// Creates the trigger file where HotSpot looks first that takes it, owned by the JVM's user: HotSpot ignores a
    /// trigger owned by another user than itself or root, and the host's root is another user inside a user namespace.
    /// </summary>
    private static string CreateTrigger(JvmTarget target)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("attaching to a JVM is implemented for Linux only");
        }

        var failures = new List<string>();
        foreach (var path in target.TriggerPaths)
        {
            // Created inside the JVM's root, never through a link (a link planted there would have root create a host file).
            if (Processes.WorkloadFiles.TryCreateEmpty(path, TriggerMode, target.Uid, target.Gid, out var error))
            {
                return path;
            }

            failures.Add($"{path}: {error}");
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        throw new JvmAttachException(JvmAttachFailure.Refused, $"JVM {target.Pid}: no attach trigger file could be created ({string.Join("; ", failures)})");
    }

    private static async Task<HotSpotAttachReply> RequestAsync(JvmTarget target, byte[] request, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        // The socket resolved inside the JVM's root: a link planted there cannot send the connection to a socket of the host.
        using var path = Processes.WorkloadFiles.OpenSocket(target.SocketPath)
            ?? throw new JvmAttachException(JvmAttachFailure.Refused, $"JVM {target.Pid}: {target.SocketPath} is not a socket inside its root");
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path.ConnectPath), cancellationToken);
            await socket.SendAsync(request, SocketFlags.None, cancellationToken);
            var reply = await ReadToEndAsync(socket, target.Pid, cancellationToken);
            return HotSpotAttachReply.TryParse(reply, out var parsed)
                ? parsed
                : throw new JvmAttachException(JvmAttachFailure.Refused, reply.Length == 0
                    ? $"JVM {target.Pid} closed the attach connection without a reply (it serves only its own user and root; from another user namespace root is neither)"
                    : $"JVM {target.Pid} sent an unexpected reply: {Encoding.UTF8.GetString(reply.AsSpan(0, Math.Min(reply.Length, 200)))}");
        }
        catch (SocketException e)
        {
            throw new JvmAttachException(JvmAttachFailure.Refused, $"JVM {target.Pid}: attach socket {target.SocketPath}: {e.Message}", e);
        }
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket, int pid, CancellationToken cancellationToken)
    {
        var reply = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            if (reply.Length + read > MaxReplyBytes)
            {
                throw new JvmAttachException(JvmAttachFailure.CommandFailed, $"JVM {pid} replied more than {MaxReplyBytes >> 20} MiB");
            }

            reply.Write(buffer, 0, read);
        }

        return reply.ToArray();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

}
