using System.Runtime.InteropServices;

namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>
/// Reads a process's memory with process_vm_readv: one system call per read and no file descriptor held open, so a
/// process that exits just fails the next read (ESRCH). Needs ptrace access to the process (root, CAP_SYS_PTRACE).
/// </summary>
internal sealed partial class ProcessMemory(int pid) : IRemoteMemory
{
    public int Pid { get; } = pid;

    /// <summary>Bytes read from the process so far.</summary>
    public long BytesRead { get; private set; }

    public unsafe bool TryRead(ulong address, Span<byte> into)
    {
        if (into.IsEmpty)
        {
            return true;
        }

        if (address == 0 || address > ulong.MaxValue - (ulong)into.Length)
        {
            return false;
        }

        fixed (byte* buffer = into)
        {
            var local = new IoVec { Base = buffer, Length = (nuint)into.Length };
            var remote = new IoVec { Base = (void*)address, Length = (nuint)into.Length };
            var read = ProcessVmReadv(Pid, &local, 1, &remote, 1, 0);
            if (read > 0)
            {
                BytesRead += read;
            }

            return read == into.Length;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [LibraryImport("libc", EntryPoint = "process_vm_readv", SetLastError = true)]
    private static unsafe partial nint ProcessVmReadv(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);
}
