namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>Another process's memory. Any read can fail: the process exited, or the address is no longer mapped.</summary>
internal interface IRemoteMemory
{
    /// <summary>True when all of <paramref name="into"/> was read from <paramref name="address"/>.</summary>
    bool TryRead(ulong address, Span<byte> into);
}
