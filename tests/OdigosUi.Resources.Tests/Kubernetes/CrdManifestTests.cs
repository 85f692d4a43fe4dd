using System.Text.Json.Nodes;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Serialization;
using OdigosUi.Resources.Stores;
using OdigosUi.Resources.Stores.Kubernetes;

namespace OdigosUi.Resources.Tests.Kubernetes;

/// <summary>deploy/crds: the CustomResourceDefinitions declare what the C# model writes.</summary>
public sealed class CrdManifestTests
{
    private static string CrdDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "deploy", "crds");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "OdigosUi.sln")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("deploy/crds not found above the test binaries.");
    }

    private static JsonObject LoadCrd(string file) =>
        YamlJson.FromYaml(File.ReadAllText(Path.Combine(CrdDirectory(), file))) as JsonObject
        ?? throw new InvalidDataException($"{file} is not a YAML mapping.");

    private static JsonObject Schema(JsonObject crd) =>
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();

    [Theory]
    [InlineData("odigos.io_destinations.yaml", "Destination", "destinations")]
    [InlineData("odigos.io_sources.yaml", "Source", "sources")]
    public void Crd_names_group_version_scope_and_status_subresource_match_the_model(string file, string kind, string plural)
    {
        ResourceType type = kind == "Destination" ? Destination.ResourceType : Source.ResourceType;
        Assert.Equal((kind, plural), (type.Kind, type.Plural));
        Assert.Contains(type, KubernetesResourceStore.SupportedTypes);

        JsonObject crd = LoadCrd(file);
        Assert.Equal("apiextensions.k8s.io/v1", crd["apiVersion"]!.GetValue<string>());
        Assert.Equal("CustomResourceDefinition", crd["kind"]!.GetValue<string>());
        Assert.Equal($"{type.Plural}.{type.Group}", crd["metadata"]!["name"]!.GetValue<string>());

        JsonObject spec = crd["spec"]!.AsObject();
        Assert.Equal(type.Group, spec["group"]!.GetValue<string>());
        Assert.Equal("Namespaced", spec["scope"]!.GetValue<string>());
        Assert.Equal(type.Kind, spec["names"]!["kind"]!.GetValue<string>());
        Assert.Equal(type.Plural, spec["names"]!["plural"]!.GetValue<string>());
        Assert.Equal(type.Kind + "List", spec["names"]!["listKind"]!.GetValue<string>());
        Assert.Equal(type.Kind.ToLowerInvariant(), spec["names"]!["singular"]!.GetValue<string>());

        JsonObject version = Assert.Single(spec["versions"]!.AsArray())!.AsObject();
        Assert.Equal(type.Version, version["name"]!.GetValue<string>());
        Assert.True(version["served"]!.GetValue<bool>());
        Assert.True(version["storage"]!.GetValue<bool>());
        Assert.NotNull(version["subresources"]!["status"]);
        Assert.Equal("object", Schema(crd)["properties"]!["spec"]!["type"]!.GetValue<string>());
        Assert.Equal("object", Schema(crd)["properties"]!["status"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Every_field_a_Destination_writes_is_in_the_schema()
    {
        var destination = new Destination
        {
            Metadata = { Name = "d", Namespace = "odigos-system" },
            Spec = new DestinationSpec
            {
                Type = "pyroscope",
                DestinationName = "Pyroscope",
                Data = new() { ["PYROSCOPE_URL"] = "pyroscope:4040" },
                SecretRef = new LocalObjectReference { Name = "d-secret" },
                Signals = [.. ObservabilitySignal.All],
                Disabled = false,
                SourceSelector = new SourceSelector { Namespaces = ["default"], DataStreams = ["backend"] },
            },
            Status = new DestinationStatus
            {
                Conditions = [new Condition { Type = DestinationConditions.Configured, Status = ConditionStatus.True, ObservedGeneration = 1, Reason = DestinationConditions.TransformedToOtelcolConfig, Message = "ok", LastTransitionTime = DateTimeOffset.UtcNow }],
            },
        };

        JsonObject schema = Schema(LoadCrd("odigos.io_destinations.yaml"));
        AssertDeclared(ResourceJson.ToNode(destination), schema);

        var signalEnum = schema["properties"]!["spec"]!["properties"]!["signals"]!["items"]!["enum"]!.AsArray().Select(s => s!.GetValue<string>());
        Assert.Equal(ObservabilitySignal.All.Order(StringComparer.Ordinal), signalEnum.Order(StringComparer.Ordinal));
        var required = schema["properties"]!["spec"]!["required"]!.AsArray().Select(s => s!.GetValue<string>());
        Assert.Equal(["data", "destinationName", "signals", "type"], required.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_Destination_written_by_DestinationService_fits_the_schema()
    {
        using var store = new EmbeddedResourceStore(null);
        var service = TestServices.Destinations(store);
        var dto = await service.CreateAsync(TestServices.Pyroscope(password: "hunter2"));
        await service.SetConfiguredConditionAsync(dto.Id, ok: true, DestinationConditions.TransformedToOtelcolConfig, "configured");
        var destination = (await store.GetAsync<Destination>(ResourceOptions.DefaultNamespace, dto.Id))!;

        AssertDeclared(ResourceJson.ToNode(destination), Schema(LoadCrd("odigos.io_destinations.yaml")));
    }

    [Fact]
    public void Every_field_a_Source_writes_is_in_the_schema()
    {
        var source = new Source
        {
            Metadata = { Name = "source-abcde", Namespace = "shop" },
            Spec = new SourceSpec
            {
                Workload = new PodWorkload { Name = "cart", Namespace = "shop", Kind = "Deployment" },
                DisableInstrumentation = true,
                OtelServiceName = "cart",
            },
            Status = new SourceStatus
            {
                Conditions = [new Condition { Type = "Available", Status = ConditionStatus.True, Reason = "Ok", LastTransitionTime = DateTimeOffset.UtcNow }],
            },
        };

        JsonObject schema = Schema(LoadCrd("odigos.io_sources.yaml"));
        AssertDeclared(ResourceJson.ToNode(source), schema);
        var required = schema["properties"]!["spec"]!["properties"]!["workload"]!["required"]!.AsArray().Select(s => s!.GetValue<string>());
        Assert.Equal(["kind", "name", "namespace"], required.Order(StringComparer.Ordinal));
    }

    /// <summary>Every property of <paramref name="value"/> (metadata aside) is declared with a matching type.</summary>
    private static void AssertDeclared(JsonObject value, JsonObject schema)
    {
        var problems = new List<string>();
        value = (JsonObject)value.DeepClone();
        value.Remove("metadata");
        Check(value, schema, "", problems);
        Assert.Empty(problems);
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> problems)
    {
        if (value is null || schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true)
        {
            return;
        }

        string type = schema["type"]?.GetValue<string>() ?? "";
        switch (value)
        {
            case JsonObject obj:
                if (type != "object")
                {
                    problems.Add($"{path}: an object, declared as '{type}'");
                    return;
                }

                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (key, child) in obj)
                {
                    if (properties?[key] is JsonObject childSchema)
                    {
                        Check(child, childSchema, $"{path}.{key}", problems);
                    }
                    else if (additional is not null)
                    {
                        Check(child, additional, $"{path}.{key}", problems);
                    }
                    else
                    {
                        problems.Add($"{path}.{key}: not declared in the schema");
                    }
                }

                break;
            case JsonArray array:
                if (type != "array" || schema["items"] is not JsonObject items)
                {
                    problems.Add($"{path}: an array, declared as '{type}'");
                    return;
                }

                for (int i = 0; i < array.Count; i++)
                {
                    Check(array[i], items, $"{path}[{i}]", problems);
                }

                break;
            case JsonValue scalar:
                string actual = scalar.GetValueKind() switch
                {
                    System.Text.Json.JsonValueKind.String => "string",
                    System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
                    System.Text.Json.JsonValueKind.Number => "integer",
                    _ => "?",
                };
                if (actual != type && !(actual == "integer" && type == "number"))
                {
                    problems.Add($"{path}: a {actual}, declared as '{type}'");
                }

                if (actual == "string" && schema["enum"] is JsonArray allowed && !allowed.Any(a => a?.GetValue<string>() == scalar.GetValue<string>()))
                {
                    problems.Add($"{path}: '{scalar}' is not in the enum");
                }

                break;
        }
    }
}
