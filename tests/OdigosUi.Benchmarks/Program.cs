using BenchmarkDotNet.Running;

namespace OdigosUi.Benchmarks;

/// <summary>
/// Run in Release: <c>dotnet run -c Release --project tests/OdigosUi.Benchmarks -- --filter '*'</c>.
/// Results and how to read them: docs/benchmarks.md.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
