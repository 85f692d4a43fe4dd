using System.Runtime.InteropServices;

namespace OdigosUi.Tests.Infrastructure;

/// <summary>Sends a POSIX signal to a process through libc's kill(2), without the kill binary or Mono.Posix.</summary>
internal static partial class PosixSignal
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    public static void Send(int processId, int signal)
    {
        if (NativeMethods.kill(processId, signal) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks in the test project.
        public static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
    }
}
