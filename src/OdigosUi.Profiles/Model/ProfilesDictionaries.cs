using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.Profiles.Model;

/// <summary>Dictionaries that follow the v1.10 rule: every table starts with its zero value at index 0.</summary>
public static class ProfilesDictionaries
{
    /// <summary>A new dictionary holding only the zero value of each table.</summary>
    public static ProfilesDictionary WithZeroValues()
    {
        var dictionary = new ProfilesDictionary();
        AddMissingZeroValues(dictionary);
        return dictionary;
    }

    /// <summary>Adds the zero value to every empty table; an index that was valid before means the same after.</summary>
    public static void AddMissingZeroValues(ProfilesDictionary dictionary)
    {
        AddIfEmpty(dictionary.MappingTable, () => new Mapping());
        AddIfEmpty(dictionary.LocationTable, () => new Location());
        AddIfEmpty(dictionary.FunctionTable, () => new Function());
        AddIfEmpty(dictionary.LinkTable, () => new Link());
        AddIfEmpty(dictionary.StringTable, () => "");
        AddIfEmpty(dictionary.AttributeTable, () => new KeyValueAndUnit());
        AddIfEmpty(dictionary.StackTable, () => new Stack());
    }

    private static void AddIfEmpty<T>(Google.Protobuf.Collections.RepeatedField<T> table, Func<T> zero)
    {
        if (table.Count == 0)
        {
            table.Add(zero());
        }
    }
}
