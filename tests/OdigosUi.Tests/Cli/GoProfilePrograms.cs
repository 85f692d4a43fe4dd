namespace OdigosUi.Tests.Cli;

/// <summary>
/// Real Go profiles made at test time by the programs in <c>Cli/GoPrograms</c> (runtime/pprof): a CPU profile of
/// about 1.5 s spent in <c>main.hotLoop</c>, <c>main.warmLoop</c> and <c>main.spin</c>, and a heap profile in which
/// <c>main.keepLive</c>'s allocations stay live while <c>main.freeLater</c>'s and <c>main.freeSmall</c>'s are freed
/// (so their <c>inuse_*</c> values are 0). Built and run once per test run, in a temp folder deleted at exit.
/// </summary>
internal sealed class GoProfilePrograms
{
    private static readonly Lazy<GoProfilePrograms> Made = new(Make);

    private GoProfilePrograms(string directory, string cpuProfile, string heapProfile)
    {
        Directory = directory;
        CpuProfile = cpuProfile;
        HeapProfile = heapProfile;
    }

    public static GoProfilePrograms Instance => Made.Value;

    public string Directory { get; }

    public string CpuProfile { get; }

    public string HeapProfile { get; }

    public string Profile(string program) => program switch
    {
        "cpu" => CpuProfile,
        "heap" => HeapProfile,
        _ => throw new ArgumentOutOfRangeException(nameof(program), program, null),
    };

    private static GoProfilePrograms Make()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("odigos-ui-go-profiles-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(directory);
        var cpu = Path.Combine(directory, "cpu.pb.gz");
        var heap = Path.Combine(directory, "heap.pb.gz");
        GoToolchain.Run(directory, BuildProgram(directory, "cpu"), cpu, "1.5");
        GoToolchain.Run(directory, BuildProgram(directory, "heap"), heap);
        return new GoProfilePrograms(directory, cpu, heap);
    }

    private static string BuildProgram(string directory, string name)
    {
        var source = Path.Combine(directory, "src", name);
        System.IO.Directory.CreateDirectory(source);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Cli", "GoPrograms", name, "main.go"), Path.Combine(source, "main.go"));
        var program = Path.Combine(directory, name);
        GoToolchain.Build(source, program);
        return program;
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
