using System.Text.Json.Nodes;
using OdigosUi.Deploy.Tests.Chart;
using OdigosUi.Deploy.Tests.Helm;

namespace OdigosUi.Deploy.Tests.Kubernetes;

/// <summary>One API request as RBAC sees it.</summary>
public sealed record ResourceRequest(string Verb, string Group, string Resource, string? Namespace, string? Name = null)
{
    public override string ToString()
    {
        string[] parts = Resource.Split('/', 2);
        string path = (Group.Length == 0 ? "" : Group + "/") + parts[0] + (Name is null ? "" : "/" + Name) + (parts.Length > 1 ? "/" + parts[1] : "");
        return $"{Verb} {path}{(Namespace is null ? " (cluster-wide)" : " in " + Namespace)}";
    }
}

/// <summary>
/// Kubernetes' RBAC authorizer over the chart's rendered Roles, ClusterRoles and their bindings: a ServiceAccount may do a
/// request when a rule of a role bound to it matches verb, API group, resource (with <c>/subresource</c>) and
/// resourceNames; a RoleBinding grants only in its own namespace, a ClusterRoleBinding everywhere.
/// </summary>
public sealed class RbacAuthorizer
{
    private readonly List<(string? Namespace, JsonArray Rules, string Subject)> _grants = [];

    public RbacAuthorizer(RenderedChart chart)
    {
        var roles = chart.Manifests.Where(m => m.Kind is "Role" or "ClusterRole")
            .ToDictionary(m => (m.Kind, m.Name, Namespace: (string?)m.Json()["metadata"]!["namespace"]), m => m.Json()["rules"]?.AsArray() ?? []);
        foreach (var binding in chart.Manifests.Where(m => m.Kind is "RoleBinding" or "ClusterRoleBinding"))
        {
            var json = binding.Json();
            string? bindingNamespace = binding.Kind == "RoleBinding" ? (string)json["metadata"]!["namespace"]! : null;
            string roleKind = (string)json["roleRef"]!["kind"]!;
            string roleName = (string)json["roleRef"]!["name"]!;
            var key = (roleKind, roleName, roleKind == "Role" ? bindingNamespace : null);
            if (!roles.TryGetValue(key, out var rules))
            {
                throw new InvalidOperationException($"{binding} refers to {roleKind} {roleName}, which the chart does not define");
            }

            foreach (var subject in json["subjects"]!.AsArray())
            {
                string subjectName = $"system:serviceaccount:{(string)subject!["namespace"]!}:{(string)subject["name"]!}";
                _grants.Add((bindingNamespace, rules, subjectName));
            }
        }
    }

    /// <summary>The user name of a ServiceAccount (<c>system:serviceaccount:NS:NAME</c>).</summary>
    public static string User(string @namespace, string serviceAccount) => $"system:serviceaccount:{@namespace}:{serviceAccount}";

    public bool Allows(string user, ResourceRequest request) =>
        _grants.Any(g => g.Subject == user
            && (g.Namespace is null || g.Namespace == request.Namespace)
            && g.Rules.Any(rule => Matches(rule!.AsObject(), request)));

    /// <summary>Every rule of every role bound to <paramref name="user"/>, with the namespace it applies in (null: all).</summary>
    public IEnumerable<(string? Namespace, JsonObject Rule)> RulesOf(string user) =>
        _grants.Where(g => g.Subject == user).SelectMany(g => g.Rules.Select(r => (g.Namespace, r!.AsObject())));

    private static bool Matches(JsonObject rule, ResourceRequest request) =>
        Has(rule["verbs"], request.Verb)
        && Has(rule["apiGroups"], request.Group)
        && Has(rule["resources"], request.Resource)
        && (rule["resourceNames"] is not JsonArray names || names.Count == 0 || (request.Name is not null && names.Any(n => (string?)n == request.Name)));

    private static bool Has(JsonNode? list, string value) =>
        list is JsonArray array && array.Any(item => (string?)item == value || (string?)item == "*");
}
