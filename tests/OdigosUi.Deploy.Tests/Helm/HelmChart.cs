using System.Globalization;
using System.Text.RegularExpressions;
using OdigosUi.Deploy.Tests.Templating;

namespace OdigosUi.Deploy.Tests.Helm;

/// <summary>The release a chart is rendered for (<c>helm install NAME -n NAMESPACE</c>).</summary>
public sealed record HelmRelease(string Name = "odigos-ui", string Namespace = "odigos-system");

/// <summary>
/// A Helm chart folder (Chart.yaml, values.yaml, templates/, crds/) and <c>helm template</c> for it with
/// <see cref="TemplateSet"/>: values merged as Helm coalesces them, <c>--set</c> typed as Helm types it, every
/// non-partial template rendered and split into documents, NOTES.txt rendered apart, crds/ copied as they are.
/// </summary>
public sealed partial class HelmChart
{
    private HelmChart(string directory, Dictionary<string, object?> metadata, Dictionary<string, object?> values, SortedDictionary<string, string> templates, SortedDictionary<string, string> crds)
    {
        Directory = directory;
        Metadata = metadata;
        DefaultValues = values;
        Templates = templates;
        Crds = crds;
    }

    public string Directory { get; }

    /// <summary>Chart.yaml.</summary>
    public IReadOnlyDictionary<string, object?> Metadata { get; }

    /// <summary>values.yaml, numbers as doubles (as Helm reads them).</summary>
    public IReadOnlyDictionary<string, object?> DefaultValues { get; }

    /// <summary>templates/** by path relative to the chart folder (<c>templates/ui-deployment.yaml</c>).</summary>
    public IReadOnlyDictionary<string, string> Templates { get; }

    /// <summary>crds/*.yaml by file name.</summary>
    public IReadOnlyDictionary<string, string> Crds { get; }

    public string Name => (string)Metadata["name"]!;

    public static HelmChart Load(string directory)
    {
        var metadata = HelmYaml.Parse(File.ReadAllText(Path.Combine(directory, "Chart.yaml"))) as Dictionary<string, object?>
            ?? throw new InvalidDataException("Chart.yaml is not a mapping");
        var values = HelmYaml.Parse(File.ReadAllText(Path.Combine(directory, "values.yaml")), numbersAsDouble: true) as Dictionary<string, object?>
            ?? throw new InvalidDataException("values.yaml is not a mapping");
        var templates = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in System.IO.Directory.EnumerateFiles(Path.Combine(directory, "templates"), "*", SearchOption.AllDirectories))
        {
            templates[Path.GetRelativePath(directory, file).Replace('\\', '/')] = File.ReadAllText(file);
        }

        var crds = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string crdDirectory = Path.Combine(directory, "crds");
        if (System.IO.Directory.Exists(crdDirectory))
        {
            foreach (string file in System.IO.Directory.EnumerateFiles(crdDirectory, "*.yaml"))
            {
                crds[Path.GetFileName(file)] = File.ReadAllText(file);
            }
        }

        return new HelmChart(directory, metadata, values, templates, crds);
    }

    /// <summary>
    /// <c>helm template</c>: <paramref name="valuesYaml"/> is a <c>-f</c> values file, <paramref name="set"/> are
    /// <c>--set key.path=value</c> pairs (applied after it); <paramref name="strict"/> makes a missing values key an error
    /// instead of nil.
    /// </summary>
    public RenderedChart Render(HelmRelease? release = null, IEnumerable<string>? set = null, string? valuesYaml = null, bool strict = true)
    {
        release ??= new HelmRelease();
        var values = DeepCopy(DefaultValues);
        if (valuesYaml is not null)
        {
            Coalesce(values, HelmYaml.Parse(valuesYaml, numbersAsDouble: true) as Dictionary<string, object?>
                ?? throw new ArgumentException("the values file is not a YAML mapping"));
        }

        foreach (string assignment in set ?? [])
        {
            ApplySet(values, assignment);
        }

        var root = new HelmObject("chartutil.Values")
        {
            ["Values"] = values,
            ["Release"] = new HelmObject("chartutil.Release")
            {
                ["Name"] = release.Name,
                ["Namespace"] = release.Namespace,
                ["Service"] = "Helm",
                ["IsInstall"] = true,
                ["IsUpgrade"] = false,
                ["Revision"] = 1L,
            },
            ["Chart"] = new HelmObject("chart.Metadata")
            {
                ["Name"] = Name,
                ["Version"] = GoValues.StrVal(Metadata["version"]),
                ["AppVersion"] = Metadata.TryGetValue("appVersion", out var app) ? GoValues.StrVal(app) : "",
                ["Description"] = Metadata.GetValueOrDefault("description") as string ?? "",
                ["Type"] = Metadata.GetValueOrDefault("type") as string ?? "application",
                ["KubeVersion"] = Metadata.GetValueOrDefault("kubeVersion") as string ?? "",
                ["Home"] = Metadata.GetValueOrDefault("home") as string ?? "",
                ["Keywords"] = Metadata.GetValueOrDefault("keywords") ?? new List<object?>(),
            },
        };

        var templates = new TemplateSet { StrictMissingKeys = strict };
        foreach (var (path, text) in Templates)
        {
            templates.Add(path, text);
        }

        var manifests = new List<RenderedManifest>();
        string notes = "";
        foreach (string path in Templates.Keys)
        {
            string file = Path.GetFileName(path);
            if (file.StartsWith('_'))
            {
                continue;
            }

            string output = templates.Render(path, root);
            if (file == "NOTES.txt")
            {
                notes = output;
                continue;
            }

            int index = 0;
            foreach (string document in DocumentSeparator().Split(output))
            {
                if (string.IsNullOrWhiteSpace(document) || HelmYaml.ParseAll(document).Count == 0)
                {
                    continue;
                }

                var parsed = HelmYaml.Parse(document) as Dictionary<string, object?>
                    ?? throw new InvalidDataException($"{path} document {index} is not a YAML mapping:\n{document}");
                manifests.Add(new RenderedManifest(path, index++, document, parsed));
            }
        }

        return new RenderedChart(release, values, manifests, notes);
    }

    [GeneratedRegex(@"^---[ \t]*(?:#.*)?$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    /// <summary>Helm's <c>--set a.b=c</c>: true/false as bools, integers as int64, null deletes, anything else a string.</summary>
    private static void ApplySet(Dictionary<string, object?> values, string assignment)
    {
        int equals = assignment.IndexOf('=');
        if (equals <= 0)
        {
            throw new ArgumentException($"--set {assignment}: expected key=value");
        }

        string[] path = assignment[..equals].Split('.');
        string raw = assignment[(equals + 1)..];
        object? value = raw switch
        {
            "true" => true,
            "false" => false,
            "null" => null,
            "0" => 0L,
            _ when !raw.StartsWith('0') && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) => l,
            _ => raw,
        };

        var map = values;
        foreach (string key in path[..^1])
        {
            if (map.GetValueOrDefault(key) is not Dictionary<string, object?> child)
            {
                child = new Dictionary<string, object?>(StringComparer.Ordinal);
                map[key] = child;
            }

            map = child;
        }

        if (value is null)
        {
            map.Remove(path[^1]);
        }
        else
        {
            map[path[^1]] = value;
        }
    }

    /// <summary>Helm's merge of a user values file over the chart's: maps merge key by key, anything else replaces, null deletes.</summary>
    private static void Coalesce(Dictionary<string, object?> into, Dictionary<string, object?> from)
    {
        foreach (var (key, value) in from)
        {
            if (value is null)
            {
                into.Remove(key);
            }
            else if (value is Dictionary<string, object?> map && into.GetValueOrDefault(key) is Dictionary<string, object?> existing)
            {
                Coalesce(existing, map);
            }
            else
            {
                into[key] = Copy(value);
            }
        }
    }

    private static Dictionary<string, object?> DeepCopy(IReadOnlyDictionary<string, object?> values) =>
        values.ToDictionary(p => p.Key, p => Copy(p.Value), StringComparer.Ordinal);

    private static object? Copy(object? value) => value switch
    {
        Dictionary<string, object?> map => DeepCopy(map),
        List<object?> list => list.Select(Copy).ToList(),
        _ => value,
    };
}

/// <summary>One rendered document: the template it came from, its index there, its text and its parsed form.</summary>
public sealed record RenderedManifest(string Template, int Index, string Yaml, Dictionary<string, object?> Object)
{
    public string Kind => Object.GetValueOrDefault("kind") as string ?? "";

    public string ApiVersion => Object.GetValueOrDefault("apiVersion") as string ?? "";

    public string Name => (Object.GetValueOrDefault("metadata") as Dictionary<string, object?>)?.GetValueOrDefault("name") as string ?? "";

    public override string ToString() => $"{Kind}/{Name} ({Template}#{Index})";
}

/// <summary>What <c>helm template</c> printed: the manifests, NOTES.txt and the values they were rendered with.</summary>
public sealed record RenderedChart(HelmRelease Release, IReadOnlyDictionary<string, object?> Values, IReadOnlyList<RenderedManifest> Manifests, string Notes)
{
    public IEnumerable<RenderedManifest> OfKind(string kind) => Manifests.Where(m => m.Kind == kind);

    public RenderedManifest Single(string kind, string name) =>
        Manifests.SingleOrDefault(m => m.Kind == kind && m.Name == name)
        ?? throw new InvalidOperationException($"no {kind}/{name} among {string.Join(", ", Manifests)}");

    /// <summary>Every manifest as one multi-document YAML stream, as <c>helm template</c> prints it.</summary>
    public string AllYaml => string.Join("", Manifests.Select(m => "---\n# Source: " + m.Template + "\n" + m.Yaml.Trim('\n') + "\n"));
}
