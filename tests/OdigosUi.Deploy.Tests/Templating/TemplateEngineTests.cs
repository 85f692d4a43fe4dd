using OdigosUi.Deploy.Tests.Helm;

namespace OdigosUi.Deploy.Tests.Templating;

/// <summary>The renderer against outputs Helm 3 gives for the same templates (the Go semantics the chart relies on).</summary>
public sealed class TemplateEngineTests
{
    private static string Render(string template, object? data = null, string? defines = null, bool strict = false)
    {
        var set = new TemplateSet { StrictMissingKeys = strict };
        if (defines is not null)
        {
            set.Add("_helpers.tpl", defines);
        }

        set.Add("t.yaml", template);
        return set.Render("t.yaml", data);
    }

    private static Dictionary<string, object?> Values(string yaml) => (Dictionary<string, object?>)HelmYaml.Parse(yaml, numbersAsDouble: true)!;

    private static Dictionary<string, object?> Root(string valuesYaml) => new() { ["Values"] = Values(valuesYaml) };

    [Theory]
    [InlineData("a: 19", "{{ .Values.a }}", "19")]
    [InlineData("a: 8388608", "{{ .Values.a }}", "8.388608e+06")]
    [InlineData("a: 1000000", "{{ .Values.a }}", "1e+06")]
    [InlineData("a: 123456", "{{ .Values.a }}", "123456")]
    [InlineData("a: 0.5", "{{ .Values.a }}", "0.5")]
    [InlineData("a: 0.00001", "{{ .Values.a }}", "1e-05")]
    [InlineData("a: 8388608", "{{ .Values.a | int64 }}", "8388608")]
    [InlineData("a: 8388608", "{{ .Values.a | quote }}", "\"8.388608e+06\"")]
    [InlineData("a: 8388608", "{{ .Values.a | int64 | quote }}", "\"8388608\"")]
    [InlineData("a: true", "{{ .Values.a | quote }}", "\"true\"")]
    [InlineData("a: yes", "{{ .Values.a }}", "true")]
    [InlineData("a: y", "{{ .Values.a }}", "true")]
    [InlineData("a: \"yes\"", "{{ .Values.a }}", "yes")]
    [InlineData("a: ~", "[{{ .Values.a }}]", "[]")]
    [InlineData("a: 10s", "{{ .Values.a | toString | trimSuffix \"s\" }}", "10")]
    [InlineData("a: 10", "{{ .Values.a | toString | trimSuffix \"s\" }}", "10")]
    public void Values_print_as_Go_prints_them_after_Helm_read_them_through_JSON(string values, string template, string expected) =>
        Assert.Equal(expected, Render(template, Root(values)));

    [Fact]
    public void Trim_markers_remove_the_whitespace_and_newlines_beside_the_action()
    {
        Assert.Equal("a:b", Render("a:  \n  {{- \"b\" }}"));
        Assert.Equal("ab", Render("{{ \"a\" -}}  \n\n b"));
        Assert.Equal("x-1 y", Render("x-{{ 1 }} y"), StringComparer.Ordinal);
        Assert.Equal("a\nc", Render("a\n{{- /* a comment */}}\nc"));
    }

    [Fact]
    public void If_else_if_else_with_and_range_follow_text_template()
    {
        const string Template = "{{ if eq .Values.k \"a\" }}A{{ else if eq .Values.k \"b\" }}B{{ else }}C{{ end }}";
        Assert.Equal("A", Render(Template, Root("k: a")));
        Assert.Equal("B", Render(Template, Root("k: b")));
        Assert.Equal("C", Render(Template, Root("k: z")));

        Assert.Equal("1:x", Render("{{ with .Values.m }}{{ .n }}:{{ $.Values.s }}{{ else }}none{{ end }}", Root("m: {n: 1}\ns: x")));
        Assert.Equal("none", Render("{{ with .Values.m }}{{ .n }}{{ else }}none{{ end }}", Root("m: {}")));

        Assert.Equal("a=1;b=2;", Render("{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}", Root("m: {b: 2, a: 1}")));
        Assert.Equal("0:p 1:q ", Render("{{ range $i, $v := .Values.l }}{{ $i }}:{{ $v }} {{ end }}", Root("l: [p, q]")));
        Assert.Equal("pq", Render("{{ range .Values.l }}{{ . }}{{ end }}", Root("l: [p, q]")));
        Assert.Equal("empty", Render("{{ range .Values.l }}{{ . }}{{ else }}empty{{ end }}", Root("l: []")));
        Assert.Equal("uigateway", Render("{{ range $c := list \"ui\" \"gateway\" }}{{ $c }}{{ end }}"));
    }

    [Fact]
    public void Variables_are_scoped_to_their_block_and_can_be_reassigned()
    {
        Assert.Equal("2", Render("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}"));
        var error = Assert.Throws<TemplateException>(() => Render("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}"));
        Assert.Contains("undefined variable: $y", error.Message);
    }

    [Fact]
    public void Include_define_nindent_and_toYaml_compose_as_in_charts()
    {
        const string Defines = """
            {{- define "labels" -}}
            app: {{ .name }}
            tier: {{ .tier | default "web" }}
            {{- end }}
            """;
        const string Template = """
            metadata:
              labels:
                {{- include "labels" (dict "name" "x") | nindent 4 }}
              annotations:
                {{- toYaml .Values.a | nindent 4 }}
            """;
        string output = Render(Template, Root("a: {z: 1, b: \"true\", c: [p, q], big: 8388608}"), Defines);
        Assert.Equal(
            """
            metadata:
              labels:
                app: x
                tier: web
              annotations:
                b: "true"
                big: 8388608
                c:
                - p
                - q
                z: 1
            """,
            output);
    }

    [Fact]
    public void Sprig_string_functions_behave_like_sprig()
    {
        Assert.Equal("abc", Render("{{ trunc 3 \"abcdef\" }}"));
        Assert.Equal("def", Render("{{ trunc -3 \"abcdef\" }}"));
        Assert.Equal("name", Render("{{ \"name-\" | trimSuffix \"-\" }}"));
        Assert.Equal("a_b", Render("{{ \"a+b\" | replace \"+\" \"_\" }}"));
        Assert.Equal("\"a\\\"b\"", Render("{{ quote \"a\\\"b\" }}"));
        Assert.Equal("http://x.ns.svc:4317", Render("{{ printf \"http://%s.%s.svc:%d\" \"x\" \"ns\" 4317 }}"));
        Assert.Equal("a, b", Render("{{ join \", \" .Values.l }}", Root("l: [a, b]")));
        Assert.Equal("true", Render("{{ contains \"ui\" \"odigos-ui\" }}"));
        Assert.Equal("fallback", Render("{{ default \"fallback\" .Values.missing }}", Root("x: 1")));
        Assert.Equal("set", Render("{{ .Values.x | default \"fallback\" }}", Root("x: set")));
        Assert.Equal("0", Render("{{ and true 0 }}"));
        Assert.Equal("z", Render("{{ or \"\" false \"z\" }}"));
    }

    [Fact]
    public void Go_type_rules_are_enforced_where_Helm_would_fail()
    {
        // A float where a string or int is expected, printf %d of a float and int/float comparisons fail in Helm too.
        Assert.Contains("expected string; got float64", Assert.Throws<TemplateException>(() => Render("{{ .Values.a | trimSuffix \"s\" }}", Root("a: 10"))).Message);
        Assert.Contains("incompatible types for comparison", Assert.Throws<TemplateException>(() => Render("{{ eq .Values.a 1 }}", Root("a: 1"))).Message);
        Assert.Contains("%d does not fit float64", Assert.Throws<TemplateException>(() => Render("{{ printf \"%d\" .Values.a }}", Root("a: 1"))).Message);
        Assert.Contains("nil pointer evaluating interface {}.b", Assert.Throws<TemplateException>(() => Render("{{ .Values.a.b }}", Root("x: 1"))).Message);
        Assert.Contains("can't evaluate field Nope", Assert.Throws<TemplateException>(() => Render("{{ .Release.Nope }}", new HelmObject("root") { ["Release"] = new HelmObject("chartutil.Release") })).Message);
        Assert.Contains("function \"tpl\" not defined", Assert.Throws<TemplateException>(() => Render("{{ tpl \"x\" . }}")).Message);
        Assert.Contains("outside the supported subset", Assert.Throws<TemplateException>(() => Render("{{ block \"x\" . }}{{ end }}")).Message);
    }

    [Fact]
    public void Missing_keys_are_nil_by_default_and_errors_when_strict()
    {
        Assert.Equal("[]", Render("[{{ .Values.nope }}]", Root("x: 1")));
        var error = Assert.Throws<TemplateException>(() => Render("{{ .Values.nope }}", Root("x: 1"), strict: true));
        Assert.Contains("t.yaml:1", error.Message);
        Assert.Contains("map has no entry for key \"nope\"", error.Message);
    }

    [Fact]
    public void Errors_name_the_template_and_line_through_includes()
    {
        var error = Assert.Throws<TemplateException>(() => Render("a\n{{ include \"bad\" . }}", Root("x: 1"), "{{ define \"bad\" }}\n{{ fail \"broken\" }}{{ end }}"));
        Assert.Equal("t.yaml:2: _helpers.tpl:2: broken", error.Message);
        var nested = Assert.Throws<TemplateException>(() => Render("a\n{{ if true }}\n{{ with 1 }}{{ fail \"deep\" }}{{ end }}{{ end }}"));
        Assert.Equal("t.yaml:3: deep", nested.Message);
    }

    [Theory]
    [InlineData("{{ if true }}x")]
    [InlineData("{{ end }}")]
    [InlineData("{{ .Values.a")]
    [InlineData("{{ \"unterminated }}")]
    [InlineData("{{ (include \"x\" . }}")]
    public void Malformed_templates_are_parse_errors(string template) =>
        Assert.Throws<TemplateException>(() => Render(template));

    [Fact]
    public void The_chart_readme_lists_exactly_the_supported_functions()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Chart, "README.md"));
        string line = readme.Split('\n').Single(l => l.StartsWith("- Functions: ", StringComparison.Ordinal));
        var listed = line["- Functions: ".Length..].TrimEnd('.', ' ', '\r').Split(", ");
        Assert.Equal(TemplateFunctions.Names.Order(StringComparer.Ordinal), listed);
    }
}
