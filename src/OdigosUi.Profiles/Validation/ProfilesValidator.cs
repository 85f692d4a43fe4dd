using Google.Protobuf.Collections;
using OdigosUi.Profiles.Otlp.Collector;
using OdigosUi.Profiles.Otlp.Common;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.Profiles.Validation;

/// <summary>
/// Checks an <see cref="ExportProfilesServiceRequest"/> against OTLP Profiles v1.10: every index in range, sample shape,
/// sample type present. Index 0 of every table is the null entry, never read for data (see <see cref="Model.DictionaryView"/>),
/// so whatever a producer put there is accepted, as Pyroscope does; a table left empty is accepted as long as nothing
/// refers past its implied zero value. The <see cref="ProfileLimits"/> bound what the request may expand into: tables,
/// lines per location, samples and frames over their caps refuse the whole request.
/// </summary>
public static class ProfilesValidator
{
    private const string Dict = "dictionary";

    public static ValidationResult Validate(ExportProfilesServiceRequest request) => Validate(request, ProfileLimits.Default);

    public static ValidationResult Validate(ExportProfilesServiceRequest request, ProfileLimits limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        var result = new ValidationResult();
        var dictionary = request.Dictionary ?? new ProfilesDictionary();
        var tables = new TableSizes(dictionary);

        if (!RequestLimits.Check(request, dictionary, limits, result))
        {
            return result;
        }

        ValidateDictionary(dictionary, tables, limits, result);
        if (!result.RequestInvalid)
        {
            RequestLimits.CheckFrames(dictionary, limits, result);
        }

        for (var r = 0; r < request.ResourceProfiles.Count; r++)
        {
            var resourceProfiles = request.ResourceProfiles[r];
            var resourcePath = $"resource_profiles[{r}]";
            if (resourceProfiles.Resource is { } resource)
            {
                ValidateKeyValues(resource.Attributes, tables, $"{resourcePath}.resource", null, result);
            }

            for (var s = 0; s < resourceProfiles.ScopeProfiles.Count; s++)
            {
                var scopeProfiles = resourceProfiles.ScopeProfiles[s];
                var scopePath = $"{resourcePath}.scope_profiles[{s}]";
                if (scopeProfiles.Scope is { } scope)
                {
                    ValidateKeyValues(scope.Attributes, tables, $"{scopePath}.scope", null, result);
                }

                for (var p = 0; p < scopeProfiles.Profiles.Count; p++)
                {
                    ValidateProfile(scopeProfiles.Profiles[p], tables, $"{scopePath}.profiles[{p}]", new ProfilePosition(r, s, p), result);
                }
            }
        }

        return result;
    }

    private static void ValidateDictionary(ProfilesDictionary d, TableSizes t, ProfileLimits limits, ValidationResult result)
    {
        for (var i = 1; i < d.MappingTable.Count; i++)
        {
            var mapping = d.MappingTable[i];
            var path = new Where("dictionary.mapping_table", i);
            CheckIndex(mapping.FilenameStrindex, t.Strings, "string_table", path, "Mapping.filename_strindex", null, result);
            CheckIndices(mapping.AttributeIndices, t.Attributes, "attribute_table", path, "Mapping.attribute_indices", null, result);
        }

        for (var i = 1; i < d.LocationTable.Count; i++)
        {
            var location = d.LocationTable[i];
            var path = new Where("dictionary.location_table", i);
            CheckIndex(location.MappingIndex, t.Mappings, "mapping_table", path, "Location.mapping_index", null, result);
            CheckIndices(location.AttributeIndices, t.Attributes, "attribute_table", path, "Location.attribute_indices", null, result);
            if (location.Lines.Count > limits.MaxLinesPerLocation)
            {
                result.Add(new ValidationError(path.ToString(), "Location.lines", null,
                    $"has {location.Lines.Count} entries; the limit is {limits.MaxLinesPerLocation} ({ProfileLimits.Key(nameof(ProfileLimits.MaxLinesPerLocation))})"));
                continue;
            }

            for (var l = 0; l < location.Lines.Count; l++)
            {
                CheckIndex(location.Lines[l].FunctionIndex, t.Functions, "function_table", path with { Suffix = ".lines", SubIndex = l }, "Line.function_index", null, result);
            }
        }

        for (var i = 1; i < d.FunctionTable.Count; i++)
        {
            var function = d.FunctionTable[i];
            var path = new Where("dictionary.function_table", i);
            CheckIndex(function.NameStrindex, t.Strings, "string_table", path, "Function.name_strindex", null, result);
            CheckIndex(function.SystemNameStrindex, t.Strings, "string_table", path, "Function.system_name_strindex", null, result);
            CheckIndex(function.FilenameStrindex, t.Strings, "string_table", path, "Function.filename_strindex", null, result);
        }

        for (var i = 1; i < d.AttributeTable.Count; i++)
        {
            var attribute = d.AttributeTable[i];
            var path = new Where("dictionary.attribute_table", i);
            CheckIndex(attribute.KeyStrindex, t.Strings, "string_table", path, "KeyValueAndUnit.key_strindex", null, result);
            CheckIndex(attribute.UnitStrindex, t.Strings, "string_table", path, "KeyValueAndUnit.unit_strindex", null, result);
            if (NeedsValueCheck(attribute.Value))
            {
                ValidateAnyValue(attribute.Value, t, path + ".value", null, result);
            }
        }

        for (var i = 1; i < d.StackTable.Count; i++)
        {
            var indices = d.StackTable[i].LocationIndices;
            for (var j = 0; j < indices.Count; j++)
            {
                var index = indices[j];
                if ((uint)index >= (uint)Math.Max(1, t.Locations))
                {
                    Fail(index, t.Locations, "location_table", $"{Dict}.stack_table[{i}]", $"Stack.location_indices[{j}]", null, result);
                }
            }
        }
    }

    private static void ValidateProfile(Profile profile, TableSizes t, string path, ProfilePosition position, ValidationResult result)
    {
        if (profile.SampleType is null)
        {
            result.Add(new ValidationError(path, "Profile.sample_type", null, "is missing", position));
        }
        else
        {
            CheckIndex(profile.SampleType.TypeStrindex, t.Strings, "string_table", new Where(path), "Profile.sample_type.type_strindex", position, result);
            CheckIndex(profile.SampleType.UnitStrindex, t.Strings, "string_table", new Where(path), "Profile.sample_type.unit_strindex", position, result);
        }

        if (profile.PeriodType is { } periodType)
        {
            CheckIndex(periodType.TypeStrindex, t.Strings, "string_table", new Where(path), "Profile.period_type.type_strindex", position, result);
            CheckIndex(periodType.UnitStrindex, t.Strings, "string_table", new Where(path), "Profile.period_type.unit_strindex", position, result);
        }

        CheckIndices(profile.AttributeIndices, t.Attributes, "attribute_table", new Where(path), "Profile.attribute_indices", position, result);

        var samples = profile.Samples;
        var samplesPath = path + ".samples";
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            if ((uint)sample.StackIndex >= (uint)Math.Max(1, t.Stacks))
            {
                CheckIndex(sample.StackIndex, t.Stacks, "stack_table", new Where(samplesPath, i), "Sample.stack_index", position, result);
            }

            if (sample.LinkIndex != 0)
            {
                CheckIndex(sample.LinkIndex, t.Links, "link_table", new Where(samplesPath, i), "Sample.link_index", position, result);
            }

            if (sample.AttributeIndices.Count > 0)
            {
                CheckIndices(sample.AttributeIndices, t.Attributes, "attribute_table", new Where(samplesPath, i), "Sample.attribute_indices", position, result);
            }

            var values = sample.Values.Count;
            var timestamps = sample.TimestampsUnixNano.Count;
            if (values == 0 && timestamps == 0)
            {
                result.Add(new ValidationError($"{path}.samples[{i}]", "Sample.values", null, "and Sample.timestamps_unix_nano are both empty; a sample needs one of them", position));
            }
            else if (values != 0 && timestamps != 0 && values != timestamps)
            {
                result.Add(new ValidationError($"{path}.samples[{i}]", "Sample.values", null, $"has {values} entries but timestamps_unix_nano has {timestamps}; they must be equal when both are set", position));
            }
            else if (timestamps == 0 && values > 1 && !SumFits(sample.Values))
            {
                result.Add(new ValidationError($"{path}.samples[{i}]", "Sample.values", null, "add up to more than a 64-bit integer holds", position));
            }
        }
    }

    private static bool SumFits(RepeatedField<long> values)
    {
        long sum = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (long.MaxValue - Math.Max(0, values[i]) < sum || long.MinValue - Math.Min(0, values[i]) > sum)
            {
                return false;
            }

            sum += values[i];
        }

        return true;
    }

    private static void ValidateKeyValues(RepeatedField<KeyValue> attributes, TableSizes t, string path, ProfilePosition? position, ValidationResult result)
    {
        for (var i = 0; i < attributes.Count; i++)
        {
            var attribute = attributes[i];
            if (attribute.Key.Length == 0)
            {
                CheckIndex(attribute.KeyStrindex, t.Strings, "string_table", new Where(path + ".attributes", i), "KeyValue.key_strindex", position, result);
            }

            if (NeedsValueCheck(attribute.Value))
            {
                ValidateAnyValue(attribute.Value, t, $"{path}.attributes[{i}].value", position, result);
            }
        }
    }

    private static void ValidateAnyValue(AnyValue? value, TableSizes t, string path, ProfilePosition? position, ValidationResult result)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValueStrindex:
                CheckIndex(value.StringValueStrindex, t.Strings, "string_table", new Where(path), "AnyValue.string_value_strindex", position, result);
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                for (var i = 0; i < value.ArrayValue.Values.Count; i++)
                {
                    ValidateAnyValue(value.ArrayValue.Values[i], t, $"{path}.array_value.values[{i}]", position, result);
                }

                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                ValidateKeyValues(value.KvlistValue.Values, t, path + ".kvlist_value", position, result);
                break;
        }
    }

    private static bool NeedsValueCheck(AnyValue? value) => value?.ValueCase is AnyValue.ValueOneofCase.StringValueStrindex
        or AnyValue.ValueOneofCase.ArrayValue or AnyValue.ValueOneofCase.KvlistValue;

    private static void CheckIndices(RepeatedField<int> indices, int size, string table, Where path, string field, ProfilePosition? position, ValidationResult result)
    {
        var limit = (uint)Math.Max(1, size);
        for (var i = 0; i < indices.Count; i++)
        {
            if ((uint)indices[i] >= limit)
            {
                Fail(indices[i], size, table, path.ToString(), $"{field}[{i}]", position, result);
            }
        }
    }

    private static void CheckIndex(int index, int count, string table, Where path, string field, ProfilePosition? position, ValidationResult result)
    {
        if ((uint)index >= (uint)Math.Max(1, count))
        {
            Fail(index, count, table, path.ToString(), field, position, result);
        }
    }

    private static void Fail(int index, int count, string table, string path, string field, ProfilePosition? position, ValidationResult result)
    {
        var reason = index < 0 ? "is negative"
            : count == 0 ? $"is out of range ({table} is empty)"
            : $"is out of range ({table} has {count} entries)";
        result.Add(new ValidationError(path, field, index, reason, position));
    }

    /// <summary>A message's path, formatted only when an error is reported: <c>prefix[index]suffix[subIndex]</c>.</summary>
    private readonly record struct Where(string Prefix, int Index = -1, string? Suffix = null, int SubIndex = -1)
    {
        public override string ToString()
        {
            var text = Index >= 0 ? $"{Prefix}[{Index}]" : Prefix;
            if (Suffix is not null)
            {
                text += SubIndex >= 0 ? $"{Suffix}[{SubIndex}]" : Suffix;
            }

            return text;
        }
    }

    private readonly struct TableSizes(ProfilesDictionary d)
    {
        public int Mappings { get; } = d.MappingTable.Count;
        public int Locations { get; } = d.LocationTable.Count;
        public int Functions { get; } = d.FunctionTable.Count;
        public int Links { get; } = d.LinkTable.Count;
        public int Strings { get; } = d.StringTable.Count;
        public int Attributes { get; } = d.AttributeTable.Count;
        public int Stacks { get; } = d.StackTable.Count;
    }
}
