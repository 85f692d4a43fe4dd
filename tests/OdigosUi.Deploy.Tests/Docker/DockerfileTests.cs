using System.Text.Json.Nodes;
using System.Xml.Linq;
using OdigosUi.Deploy.Tests.Chart;
using OdigosUi.Hosting;
using OdigosUi.Pipeline.Receivers;

namespace OdigosUi.Deploy.Tests.Docker;

/// <summary>deploy/Dockerfile, parsed (no Docker engine here): stages, user, entry point, ports and build context.</summary>
public sealed class DockerfileTests
{
    private static readonly Dockerfile File_ = Dockerfile.Parse(File.ReadAllText(RepoPaths.Dockerfile));
    private static readonly DockerIgnore Ignore = new(File.ReadAllText(Path.Combine(RepoPaths.Root, ".dockerignore")));

    private static DockerStage Build => File_.Stages.Single(s => s.Name == "build");

    private static DockerStage Final => File_.Stages[^1];

    [Fact]
    public void Builds_with_the_dotnet_10_sdk_and_node_and_runs_on_the_aspnet_10_runtime()
    {
        Assert.Equal(["node", "build", "runtime"], File_.Stages.Select(s => s.Name));
        Assert.StartsWith("node:20-", File_.Stages[0].Image, StringComparison.Ordinal);
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", Build.Image);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", Final.Image);

        // The app targets the ASP.NET Core shared framework of the same major version as the runtime image.
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(typeof(OdigosUiHost).Assembly.Location, ".runtimeconfig.json")))!;
        var frameworks = runtimeConfig["runtimeOptions"]!["frameworks"]?.AsArray().Select(f => f!) ?? [runtimeConfig["runtimeOptions"]!["framework"]!];
        var aspnet = Assert.Single(frameworks, f => (string?)f["name"] == "Microsoft.AspNetCore.App");
        Assert.StartsWith("10.", (string?)aspnet["version"], StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_odigos_ui_dll_as_a_numeric_non_root_user_the_chart_agrees_with()
    {
        Assert.Equal(["dotnet", "odigos-ui.dll"], Final.Single("ENTRYPOINT").ExecForm ?? []);
        Assert.Equal("odigos-ui", typeof(OdigosUiHost).Assembly.GetName().Name);
        string user = Final.Single("USER").Arguments;
        long uid = long.Parse(user.Split(':')[0]);
        Assert.NotEqual(0, uid);
        Assert.Equal(10001, uid);

        var podSecurity = (Dictionary<string, object?>)ChartRenders.Chart.DefaultValues["podSecurityContext"]!;
        Assert.Equal((double)uid, podSecurity["runAsUser"]);
        Assert.Equal(true, podSecurity["runAsNonRoot"]);

        // The user exists in the image (a home folder for the .NET runtime), created before USER switches to it.
        var create = Assert.Single(Final.All("RUN"), r => r.Arguments.Contains("useradd", StringComparison.Ordinal));
        Assert.Contains($"--uid {uid}", create.Arguments, StringComparison.Ordinal);
        Assert.True(create.Line < Final.Single("USER").Line);
    }

    [Fact]
    public void Exposes_the_app_ports_and_listens_on_them_on_every_address()
    {
        int[] expected = [AppConfiguration.PortOf(UiOptions.DefaultUrl), AppConfiguration.PortOf(OtlpReceiverOptions.DefaultGrpcUrl), AppConfiguration.PortOf(OtlpReceiverOptions.DefaultHttpUrl)];
        var exposed = Final.All("EXPOSE").SelectMany(e => e.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(p => int.Parse(p.Split('/')[0])).ToArray();
        Assert.Equal(expected, exposed);

        var env = Final.All("ENV").SelectMany(e => e.EnvPairs()).ToDictionary();
        Assert.Equal(expected, new[] { env["Ui__Url"], env["Otlp__GrpcUrl"], env["Otlp__HttpUrl"] }.Select(AppConfiguration.PortOf));
        Assert.All(new[] { env["Ui__Url"], env["Otlp__GrpcUrl"], env["Otlp__HttpUrl"] }, url => Assert.StartsWith("http://*:", url, StringComparison.Ordinal));
        foreach (string key in env.Keys.Where(k => k.Contains("__", StringComparison.Ordinal)))
        {
            Assert.True(AppConfiguration.IsKnown(AppConfiguration.FromEnvironmentName(key)), $"ENV {key} is not a configuration key of the app");
        }

        // The base image's ASPNETCORE_HTTP_PORTS=8080 would add a listener the app does not configure.
        Assert.Equal("", env["ASPNETCORE_HTTP_PORTS"]);
    }

    [Fact]
    public void Every_copy_source_is_in_the_repository_and_in_the_build_context()
    {
        var earlierStages = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in File_.Stages)
        {
            foreach (var copy in stage.All("COPY"))
            {
                var (flags, sources, _) = copy.CopyParts();
                if (flags.TryGetValue("from", out string? from))
                {
                    Assert.True(earlierStages.Contains(from), $"line {copy.Line}: COPY --from={from} is not an earlier stage");
                    continue;
                }

                foreach (string source in sources)
                {
                    if (source is "." or "./")
                    {
                        continue;
                    }

                    var matches = Glob(source).ToList();
                    Assert.True(matches.Count > 0, $"line {copy.Line}: COPY source {source} matches nothing in the repository");
                    Assert.All(matches, m => Assert.False(Ignore.IsExcluded(m), $"line {copy.Line}: {m} is excluded by .dockerignore"));
                }
            }

            if (stage.Name is { } name)
            {
                earlierStages.Add(name);
            }
        }
    }

    [Fact]
    public void The_restore_layer_copies_every_file_restore_reads_to_the_same_path()
    {
        var restore = Build.All("RUN").First(r => r.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        Assert.Contains("src/OdigosUi/OdigosUi.csproj", restore.Arguments, StringComparison.Ordinal);
        var copied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var copy in Build.All("COPY").Where(c => c.Line < restore.Line && !c.CopyParts().Flags.ContainsKey("from")))
        {
            var (_, sources, destination) = copy.CopyParts();
            Assert.EndsWith("/", destination, StringComparison.Ordinal);
            foreach (string source in sources)
            {
                copied.Add(Path.Combine(destination == "./" ? "" : destination, Path.GetFileName(source)).Replace('\\', '/'));
                Assert.Equal(Path.GetDirectoryName(source)?.Replace('\\', '/') ?? "", destination == "./" ? "" : destination.TrimEnd('/'));
            }
        }

        var needed = new SortedSet<string>(StringComparer.Ordinal) { "Directory.Build.props", "Directory.Packages.props", "global.json" };
        AddProjectClosure("src/OdigosUi/OdigosUi.csproj", needed);
        Assert.Empty(needed.Except(copied));
    }

    [Fact]
    public void The_build_context_has_the_sources_and_package_json_and_not_build_output_or_tests()
    {
        foreach (string file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(RepoPaths.Root, file).Replace('\\', '/');
            bool output = relative.Split('/').Any(segment => segment is "bin" or "obj" or "node_modules");
            bool generatedAssets = relative.StartsWith("src/OdigosUi/wwwroot/js/", StringComparison.Ordinal);
            Assert.True(Ignore.IsExcluded(relative) == (output || generatedAssets), $"{relative}: excluded={Ignore.IsExcluded(relative)}");
        }

        Assert.False(Ignore.IsExcluded("package.json"));
        Assert.False(Ignore.IsExcluded("wwwroot-assets/README.md"));
        Assert.False(Ignore.IsExcluded("Directory.Packages.props"));
        foreach (string excluded in new[] { ".git/config", "tests/OdigosUi.Tests/OdigosUi.Tests.csproj", "node_modules/esbuild/package.json", "src/OdigosUi/bin/Release/x.dll", "TestResults/a.trx" })
        {
            Assert.True(Ignore.IsExcluded(excluded), excluded);
        }
    }

    [Fact]
    public void The_build_stage_has_node_and_npm_and_publishes_what_the_final_stage_copies()
    {
        var node = Build.All("COPY").Where(c => c.CopyParts().Flags.GetValueOrDefault("from") == "node").SelectMany(c => c.CopyParts().Sources).ToList();
        Assert.Contains("/usr/local/bin/node", node);
        Assert.Contains("/usr/local/lib/node_modules/npm", node);
        Assert.Contains(Build.All("RUN"), r => r.Arguments.Contains("npm-cli.js /usr/local/bin/npm", StringComparison.Ordinal));

        var publish = Assert.Single(Build.All("RUN"), r => r.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("src/OdigosUi/OdigosUi.csproj", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains("-c Release", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains("-o /app", publish.Arguments, StringComparison.Ordinal);
        var (flags, sources, destination) = Assert.Single(Final.All("COPY")).CopyParts();
        Assert.Equal(("build", "/app", "./"), (flags["from"], Assert.Single(sources), destination));
        Assert.Equal("/app", Final.Single("WORKDIR").Arguments);
    }

    /// <summary>A project, the projects it references (transitively) and the files it imports, relative to the root.</summary>
    private static void AddProjectClosure(string project, SortedSet<string> files)
    {
        if (!files.Add(project))
        {
            return;
        }

        string directory = Path.GetDirectoryName(project)!;
        var xml = XDocument.Load(Path.Combine(RepoPaths.Root, project));
        foreach (var element in xml.Descendants())
        {
            string? include = element.Name.LocalName switch
            {
                "ProjectReference" => (string?)element.Attribute("Include"),
                "Import" when element.Attribute("Sdk") is null => (string?)element.Attribute("Project"),
                _ => null,
            };
            if (include is null || include.Contains("$(", StringComparison.Ordinal))
            {
                continue;
            }

            string path = Path.GetRelativePath(RepoPaths.Root, Path.GetFullPath(Path.Combine(RepoPaths.Root, directory, include))).Replace('\\', '/');
            if (element.Name.LocalName == "ProjectReference")
            {
                AddProjectClosure(path, files);
            }
            else
            {
                files.Add(path);
            }
        }
    }

    /// <summary>Repository paths a COPY source matches (<c>*</c> within a segment), files and folders.</summary>
    private static IEnumerable<string> Glob(string pattern)
    {
        var regex = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(pattern.TrimEnd('/')).Replace("\\*", "[^/]*").Replace("\\?", "[^/]") + "$");
        return Directory.EnumerateFileSystemEntries(RepoPaths.Root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(RepoPaths.Root, p).Replace('\\', '/'))
            .Where(p => !p.StartsWith(".git/", StringComparison.Ordinal) && regex.IsMatch(p));
    }
}
