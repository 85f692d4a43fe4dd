using System.Text.Json.Serialization;
using OdigosUi.Resources.Model;

namespace OdigosUi.Resources.Stores;

[JsonConverter(typeof(JsonStringEnumConverter<WatchEventType>))]
public enum WatchEventType
{
    [JsonStringEnumMemberName("ADDED")]
    Added,

    [JsonStringEnumMemberName("MODIFIED")]
    Modified,

    [JsonStringEnumMemberName("DELETED")]
    Deleted,

    /// <summary>Only with <see cref="WatchOptions.SendInitialEventsEndBookmark"/>: the initial objects have all been sent.</summary>
    [JsonStringEnumMemberName("BOOKMARK")]
    Bookmark,
}

/// <summary>One event of a watch: the object after the change (for Deleted: as it was, with a new resourceVersion).</summary>
public sealed record WatchEvent<T>(
    [property: JsonPropertyName("type")] WatchEventType Type,
    [property: JsonPropertyName("object")] T Object)
    where T : KubernetesObject;

/// <summary>The annotation Kubernetes puts on the bookmark that ends the initial events of a watch.</summary>
public static class WatchAnnotations
{
    public const string InitialEventsEnd = "k8s.io/initial-events-end";
}
