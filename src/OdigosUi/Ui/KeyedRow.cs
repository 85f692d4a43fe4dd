namespace OdigosUi.Ui;

/// <summary>
/// A table row that stays the same row while its values change. MudTable keys its rows by item (<c>@key="item"</c>):
/// rows compared by value or by reference would be new rows on every refresh, so Blazor would replace their elements,
/// and a click whose mouse-down reached the old switch or button and whose mouse-up the new one would be lost.
/// </summary>
public sealed class KeyedRow<T>(string key, T item) : IEquatable<KeyedRow<T>>
{
    public string Key { get; } = key;

    public T Item { get; } = item;

    public static List<KeyedRow<T>> From(IEnumerable<T> items, Func<T, string> key) => [.. items.Select(item => new KeyedRow<T>(key(item), item))];

    public bool Equals(KeyedRow<T>? other) => other is not null && string.Equals(Key, other.Key, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as KeyedRow<T>);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);
}
