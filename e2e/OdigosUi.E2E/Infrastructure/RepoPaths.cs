using System.Reflection;

namespace OdigosUi.E2E.Infrastructure;

/// <summary>Where the repository and the app's build output are, seen from the test assembly.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>odigos-ui.dll in the app project's own output, next to its static web assets manifests.</summary>
    public static string AppDll => Path.Combine(Root, "src", "OdigosUi", "bin", Configuration, "net10.0", "odigos-ui.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OdigosUi.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"OdigosUi.sln not found above {AppContext.BaseDirectory}");
    }
}
