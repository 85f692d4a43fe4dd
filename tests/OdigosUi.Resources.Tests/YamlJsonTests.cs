using System.Text.Json.Nodes;
using OdigosUi.Resources.Serialization;

namespace OdigosUi.Resources.Tests;

public sealed class YamlJsonTests
{
    [Theory]
    [InlineData("")]
    [InlineData("true")]
    [InlineData("False")]
    [InlineData("yes")]
    [InlineData("off")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("4040")]
    [InlineData("4040\n")]
    [InlineData("1e3\n")]
    [InlineData("-1")]
    [InlineData("1e3")]
    [InlineData(".5")]
    [InlineData("0x1F")]
    [InlineData("2025-01-02")]
    [InlineData("10.0.0.1:4040")]
    [InlineData("host:4040")]
    [InlineData("a: b")]
    [InlineData("# not a comment")]
    [InlineData("*star")]
    [InlineData("line one\nline two\n")]
    [InlineData("trailing space \nx")]
    [InlineData("[{\"key\":\"a\",\"value\":\"b\"}]")]
    public void Strings_round_trip_as_strings(string value)
    {
        var node = new JsonObject { ["value"] = value, ["list"] = new JsonArray(value) };
        var back = YamlJson.FromYaml(YamlJson.ToYaml(node))!;
        Assert.Equal(value, (string?)back["value"]);
        Assert.Equal(value, (string?)back["list"]![0]);
    }

    [Fact]
    public void Scalars_resolve_like_YAML_core()
    {
        var node = YamlJson.FromYaml("""
            int: 42
            neg: -7
            float: 1.5
            yes: true
            no: false
            nothing: null
            tilde: ~
            quoted: "42"
            single: 'true'
            tagged: !!str 42
            text: hello world
            empty: {}
            list: [a, 1]
            anchor: &a {x: 1}
            alias: *a
            """)!;
        Assert.Equal(42L, node["int"]!.GetValue<long>());
        Assert.Equal(-7L, node["neg"]!.GetValue<long>());
        Assert.Equal(1.5, node["float"]!.GetValue<double>());
        Assert.True(node["yes"]!.GetValue<bool>());
        Assert.False(node["no"]!.GetValue<bool>());
        Assert.Null(node["nothing"]);
        Assert.Null(node["tilde"]);
        Assert.Equal("42", node["quoted"]!.GetValue<string>());
        Assert.Equal("true", node["single"]!.GetValue<string>());
        Assert.Equal("42", node["tagged"]!.GetValue<string>());
        Assert.Equal("hello world", node["text"]!.GetValue<string>());
        Assert.Empty(node["empty"]!.AsObject());
        Assert.Equal(1L, node["alias"]!["x"]!.GetValue<long>());
    }

    [Fact]
    public void Empty_text_is_null()
    {
        Assert.Null(YamlJson.FromYaml(""));
        Assert.Null(YamlJson.FromYaml("# only a comment\n"));
    }
}
