using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OdigosUi.Deploy.Tests.Helm;
using OdigosUi.Resources.Model;

namespace OdigosUi.Deploy.Tests.Chart;

/// <summary>The chart's crds/ are deploy/crds, and their schemas declare every field the C# model writes.</summary>
public sealed class CrdTests
{
    [Fact]
    public void Chart_crds_are_identical_to_deploy_crds()
    {
        var deploy = Directory.EnumerateFiles(RepoPaths.Crds, "*.yaml").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        Assert.NotEmpty(deploy);
        Assert.Equal(deploy.Keys.Order(StringComparer.Ordinal), ChartRenders.Chart.Crds.Keys);
        foreach (var (file, text) in deploy)
        {
            Assert.True(text == ChartRenders.Chart.Crds[file], $"deploy/helm/odigos-ui/crds/{file} differs from deploy/crds/{file}; copy it again");
        }
    }

    [Theory]
    [InlineData("odigos.io_destinations.yaml", typeof(Destination))]
    [InlineData("odigos.io_sources.yaml", typeof(Source))]
    public void Crd_schemas_have_every_property_of_the_model(string file, Type model)
    {
        var crd = JsonNodeOf(HelmYaml.Parse(ChartRenders.Chart.Crds[file]));
        var version = Assert.Single(crd["spec"]!["versions"]!.AsArray())!;
        var schema = version["schema"]!["openAPIV3Schema"]!.AsObject();
        var missing = new List<string>();
        Check(model, schema, "", missing);
        Assert.Empty(missing);
    }

    /// <summary>Each JSON property of <paramref name="type"/> must be in <paramref name="schema"/>'s properties, recursively.</summary>
    private static void Check(Type type, JsonObject schema, string path, List<string> missing)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name is not { } name)
            {
                continue; // [JsonIgnore] helpers and [JsonExtensionData]
            }

            string where = $"{path}.{name}";
            if (name == "metadata" && path.Length == 0)
            {
                Assert.Equal("object", (string?)schema["properties"]?["metadata"]?["type"]);
                continue; // ObjectMeta is the API server's own schema
            }

            if (schema["properties"]?[name] is not JsonObject child)
            {
                missing.Add(where);
                continue;
            }

            Type propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                Assert.True(child["additionalProperties"] is not null, $"{where}: a map needs additionalProperties");
                continue;
            }

            if (propertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                Type item = propertyType.GetGenericArguments().Single();
                Assert.True(child["items"] is JsonObject, $"{where}: a list needs items");
                if (IsModelClass(item))
                {
                    Check(item, child["items"]!.AsObject(), where + "[]", missing);
                }

                continue;
            }

            if (IsModelClass(propertyType))
            {
                Check(propertyType, child, where, missing);
            }
        }
    }

    private static bool IsModelClass(Type type) => type.IsClass && type != typeof(string) && type.Namespace == typeof(Destination).Namespace;

    private static JsonObject JsonNodeOf(object? value) => System.Text.Json.JsonSerializer.SerializeToNode(value)!.AsObject();
}
