namespace OdigosUi.TestSupport;

/// <summary>Python workloads run with no flag: <see cref="HotLoop"/> spends its time in <c>spin</c> under <c>caller</c> and prints "ready" first.</summary>
public static class PythonScripts
{
    public const string HotLoop = """
        import sys


        def spin(n):
            total = 0
            for i in range(n):
                total += i * i
            return total


        def caller():
            while True:
                spin(20000)


        print("ready", flush=True)
        caller()
        """;
}
