using BenchmarkDotNet.Running;

namespace OdigosUi.Benchmarks;

/// <summary>
/// Run in Release: <c>dotnet run -c Release --project tests/OdigosUi.Benchmarks -- --filter '*'</c>; <c>-- bombs</c>
/// prints the single-shot figures of the issue-15 bombs (<see cref="BombFigures"/>),
/// <c>-- prescan</c> those of the protobuf expansion pre-scan (<see cref="PrescanFigures"/>).
/// Results and how to read them: docs/benchmarks.md.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["bombs"])
        {
            BombFigures.Run();
            return;
        }

        if (args is ["prescan"])
        {
            PrescanFigures.Run();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
