using System.Reflection.Metadata;
using System.Text;

namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// Type names as the .NET runtime prints a method's type in its perf map (TypeString with FormatNamespace):
/// <c>System.Collections.Generic.Dictionary`2+Enumerator</c>, nested types after '+', the reserved characters of type
/// names escaped with '\'. Instantiations (<c>[System.__Canon,System.Int32]</c>) are appended by the caller.
/// </summary>
internal static class RuntimeTypeName
{
    internal const int MaxNesting = 64;

    public static void AppendDefinition(StringBuilder name, MetadataReader metadata, TypeDefinitionHandle handle, int depth = 0)
    {
        var type = metadata.GetTypeDefinition(handle);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            if (depth >= MaxNesting)
            {
                throw new BadImageFormatException("types nested too deeply");
            }

            AppendDefinition(name, metadata, declaring, depth + 1);
            name.Append('+');
        }

        AppendName(name, metadata.GetString(type.Namespace), metadata.GetString(type.Name));
    }

    public static void AppendReference(StringBuilder name, MetadataReader metadata, TypeReferenceHandle handle, int depth = 0)
    {
        var type = metadata.GetTypeReference(handle);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            if (depth >= MaxNesting)
            {
                throw new BadImageFormatException("types nested too deeply");
            }

            AppendReference(name, metadata, (TypeReferenceHandle)type.ResolutionScope, depth + 1);
            name.Append('+');
        }

        AppendName(name, metadata.GetString(type.Namespace), metadata.GetString(type.Name));
    }

    private static void AppendName(StringBuilder name, string @namespace, string typeName)
    {
        if (@namespace.Length > 0)
        {
            AppendEscaped(name, @namespace);
            name.Append('.');
        }

        AppendEscaped(name, typeName);
    }

    private static void AppendEscaped(StringBuilder name, string part)
    {
        foreach (var c in part)
        {
            if (c is ',' or '+' or '&' or '*' or '[' or ']' or '\\')
            {
                name.Append('\\');
            }

            name.Append(c);
        }
    }
}
