namespace OdigosUi.Deploy.Tests;

/// <summary>Folders of the repository the tests run in (found upwards from the test binaries).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Chart => Path.Combine(Root, "deploy", "helm", "odigos-ui");

    public static string Crds => Path.Combine(Root, "deploy", "crds");

    public static string Dockerfile => Path.Combine(Root, "deploy", "Dockerfile");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OdigosUi.sln")) && Directory.Exists(Path.Combine(dir.FullName, "deploy")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("OdigosUi.sln not found above the test binaries.");
    }
}
