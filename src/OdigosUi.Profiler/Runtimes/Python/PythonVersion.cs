namespace OdigosUi.Profiler.Runtimes.Python;

/// <summary>A CPython version; <see cref="Micro"/> is null when only the file name told it (python3.11).</summary>
public readonly record struct PythonVersion(int Major, int Minor, int? Micro)
{
    /// <summary>The version a PY_VERSION_HEX value says (0x030B02F0 is 3.11.2): the value of <c>Py_Version</c> (3.11+).</summary>
    public static PythonVersion FromHex(ulong hex) => new((int)(hex >> 24) & 0xff, (int)(hex >> 16) & 0xff, (int)(hex >> 8) & 0xff);

    public override string ToString() => Micro is { } micro ? $"{Major}.{Minor}.{micro}" : $"{Major}.{Minor}";
}
