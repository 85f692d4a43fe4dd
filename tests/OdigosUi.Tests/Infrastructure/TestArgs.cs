namespace OdigosUi.Tests.Infrastructure;

/// <summary>Arguments that keep a test's app to itself: free ports for the OTLP receivers, resources in memory.</summary>
public static class TestArgs
{
    public static readonly string[] Isolated =
    [
        "--Otlp:GrpcUrl=http://127.0.0.1:0",
        "--Otlp:HttpUrl=http://127.0.0.1:0",
        "--Storage:DataDir=",
        "--Kubernetes:Mode=embedded",
        "--Profiling:ProfilerEnabled=false",
    ];

    public static string[] With(params string[] args) => [.. Isolated, .. args];
}
