using System.Globalization;
using OdigosUi.Profiles.Otlp.Profiles;

namespace OdigosUi.Profiles.Model;

/// <summary>The design's frame label rules: one frame per line of a location, innermost first.</summary>
public static class FrameLabels
{
    public const string FrameTypeAttribute = "profile.frame.type";

    /// <summary>Adds the labels of <paramref name="location"/> to <paramref name="labels"/>, innermost inlined frame first.</summary>
    public static void Append(DictionaryView dictionary, Location location, List<string> labels)
    {
        if (location.Lines.Count == 0)
        {
            var mapping = dictionary.Mapping(location.MappingIndex);
            var file = dictionary.String(mapping.FilenameStrindex);
            labels.Add(AddressLabel(file, file.Length == 0 ? location.Address : FileAddress(mapping, location.Address)));
            return;
        }

        foreach (var line in location.Lines)
        {
            labels.Add(LineLabel(dictionary, line));
        }
    }

    public static string LineLabel(DictionaryView dictionary, Line line)
    {
        var function = dictionary.Function(line.FunctionIndex);
        var name = dictionary.String(function.NameStrindex);
        if (name.Length > 0)
        {
            return name;
        }

        var systemName = dictionary.String(function.SystemNameStrindex);
        if (systemName.Length > 0)
        {
            return systemName;
        }

        return string.Concat(dictionary.String(function.FilenameStrindex), ":", line.Line_.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The address within the mapped file (<c>address - memory_start + file_offset</c>) when it lies in the mapping's
    /// range, else the address as sent (the OTel eBPF profiler already sends file-relative addresses, with
    /// <c>memory_start</c> 0): the same instruction gets the same label in every process, as perf shows it.
    /// </summary>
    public static ulong FileAddress(Mapping mapping, ulong address) =>
        address >= mapping.MemoryStart && address < mapping.MemoryLimit
            ? address - mapping.MemoryStart + mapping.FileOffset
            : address;

    /// <summary><c>basename+0xaddr</c>, or <c>0xaddr</c> (the address as sent) when the mapping has no file name.</summary>
    public static string AddressLabel(string mappingFile, ulong address)
    {
        var hex = address.ToString("x", CultureInfo.InvariantCulture);
        if (mappingFile.Length == 0)
        {
            return "0x" + hex;
        }

        var slash = mappingFile.LastIndexOf('/');
        var basename = slash >= 0 ? mappingFile[(slash + 1)..] : mappingFile;
        return string.Concat(basename, "+0x", hex);
    }
}
