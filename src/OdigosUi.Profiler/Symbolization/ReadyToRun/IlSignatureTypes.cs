using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Text;

namespace OdigosUi.Profiler.Symbolization.ReadyToRun;

/// <summary>
/// Parameter types as the .NET runtime prints them in its perf map (the ILDasm syntax of its PrettyPrintSig):
/// <c>int32</c>, <c>uint8&amp;</c>, <c>native int</c>, <c>string[]</c>, <c>valuetype System.Guid/GuidResult&amp;</c>,
/// <c>class System.Collections.Generic.IEqualityComparer`1&lt;!0&gt;</c>, <c>class [System.Runtime]System.IO.TextWriter</c>,
/// <c>!!0</c>; nested types after '/', types of other assemblies with their assembly reference.
/// </summary>
internal sealed class IlSignatureTypes : ISignatureTypeProvider<string, object?>
{
    public static IlSignatureTypes Instance { get; } = new();

    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
    {
        PrimitiveTypeCode.Void => "void",
        PrimitiveTypeCode.Boolean => "bool",
        PrimitiveTypeCode.Char => "char",
        PrimitiveTypeCode.SByte => "int8",
        PrimitiveTypeCode.Byte => "uint8",
        PrimitiveTypeCode.Int16 => "int16",
        PrimitiveTypeCode.UInt16 => "uint16",
        PrimitiveTypeCode.Int32 => "int32",
        PrimitiveTypeCode.UInt32 => "uint32",
        PrimitiveTypeCode.Int64 => "int64",
        PrimitiveTypeCode.UInt64 => "uint64",
        PrimitiveTypeCode.Single => "float32",
        PrimitiveTypeCode.Double => "float64",
        PrimitiveTypeCode.IntPtr => "native int",
        PrimitiveTypeCode.UIntPtr => "native uint",
        PrimitiveTypeCode.Object => "object",
        PrimitiveTypeCode.String => "string",
        PrimitiveTypeCode.TypedReference => "typedref",
        _ => throw new BadImageFormatException($"primitive type {typeCode}"),
    };

    public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
    {
        var name = new StringBuilder(Kind(rawTypeKind));
        AppendDefinition(name, reader, handle, 0);
        return name.ToString();
    }

    public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
    {
        var name = new StringBuilder(Kind(rawTypeKind));
        AppendReference(name, reader, handle, 0);
        return name.ToString();
    }

    // A type specification only stands where a type token does in a modifier; decoding it could recurse without end.
    public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        throw new BadImageFormatException("type specification in a method signature");

    public string GetSZArrayType(string elementType) => elementType + "[]";

    public string GetArrayType(string elementType, ArrayShape shape)
    {
        var name = new StringBuilder(elementType).Append('[');
        if (shape.Rank == 1 && shape.Sizes.IsEmpty && shape.LowerBounds.IsEmpty)
        {
            name.Append("...");
        }
        else
        {
            for (var i = 0; i < shape.Rank; i++)
            {
                var lowerBound = i < shape.LowerBounds.Length ? shape.LowerBounds[i] : 0;
                if (lowerBound == 0 && i < shape.Sizes.Length)
                {
                    name.Append(shape.Sizes[i]);
                }
                else if (i < shape.LowerBounds.Length)
                {
                    name.Append(lowerBound).Append("...");
                    if (i < shape.Sizes.Length)
                    {
                        name.Append(lowerBound + shape.Sizes[i] - 1);
                    }
                }

                if (i < shape.Rank - 1)
                {
                    name.Append(',');
                }
            }
        }

        return name.Append(']').ToString();
    }

    public string GetByReferenceType(string elementType) => elementType + "&";

    public string GetPointerType(string elementType) => elementType + "*";

    public string GetPinnedType(string elementType) => elementType + " pinned";

    public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) =>
        $"{unmodifiedType} {(isRequired ? "modreq" : "modopt")}({modifier})";

    public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
        $"{genericType}<{string.Join(',', typeArguments)}>";

    public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;

    public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;

    public string GetFunctionPointerType(MethodSignature<string> signature)
    {
        var name = new StringBuilder("method ");
        if (signature.Header.HasExplicitThis)
        {
            name.Append("explicit ");
        }

        if (signature.Header.IsInstance)
        {
            name.Append("instance ");
        }

        name.Append(signature.Header.CallingConvention switch
        {
            SignatureCallingConvention.Default => "",
            SignatureCallingConvention.CDecl => "unmanaged cdecl ",
            SignatureCallingConvention.StdCall => "unmanaged stdcall ",
            SignatureCallingConvention.ThisCall => "unmanaged thiscall ",
            SignatureCallingConvention.FastCall => "unmanaged fastcall ",
            SignatureCallingConvention.VarArgs => "vararg ",
            SignatureCallingConvention.Unmanaged => "unmanaged ",
            var other => $"callconv({(int)other}) ",
        });
        return name.Append(signature.ReturnType).Append(" *(").Append(Parameters(signature)).Append(')').ToString();
    }

    /// <summary>The parameter list without parentheses; "..." where the optional parameters of a vararg signature start.</summary>
    public static string Parameters(MethodSignature<string> signature)
    {
        var types = signature.ParameterTypes;
        return signature.RequiredParameterCount < types.Length
            ? string.Join(',', [.. types[..signature.RequiredParameterCount], "...", .. types[signature.RequiredParameterCount..]])
            : string.Join(',', types);
    }

    private static string Kind(byte rawTypeKind) => rawTypeKind switch
    {
        (byte)SignatureTypeKind.ValueType => "valuetype ",
        (byte)SignatureTypeKind.Class => "class ",
        _ => "",
    };

    private static void AppendDefinition(StringBuilder name, MetadataReader reader, TypeDefinitionHandle handle, int depth)
    {
        var type = reader.GetTypeDefinition(handle);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            if (depth >= RuntimeTypeName.MaxNesting)
            {
                throw new BadImageFormatException("types nested too deeply");
            }

            AppendDefinition(name, reader, declaring, depth + 1);
            name.Append('/');
        }

        AppendName(name, reader.GetString(type.Namespace), reader.GetString(type.Name));
    }

    private static void AppendReference(StringBuilder name, MetadataReader reader, TypeReferenceHandle handle, int depth)
    {
        var type = reader.GetTypeReference(handle);
        var scope = type.ResolutionScope;
        switch (scope.IsNil ? default(HandleKind?) : scope.Kind)
        {
            case HandleKind.AssemblyReference:
                name.Append('[').Append(reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name)).Append(']');
                break;
            case HandleKind.ModuleReference:
                name.Append("[.module ").Append(reader.GetString(reader.GetModuleReference((ModuleReferenceHandle)scope).Name)).Append(']');
                break;
            case HandleKind.TypeReference when depth < RuntimeTypeName.MaxNesting:
                AppendReference(name, reader, (TypeReferenceHandle)scope, depth + 1);
                name.Append('/');
                break;
            case HandleKind.TypeReference:
                throw new BadImageFormatException("types nested too deeply");
            case HandleKind.ModuleDefinition:
                break;
            default:
                // A reference to be resolved through the exported types: PrettyPrintClass's "somewhere here".
                name.Append("[*]");
                break;
        }

        AppendName(name, reader.GetString(type.Namespace), reader.GetString(type.Name));
    }

    private static void AppendName(StringBuilder name, string @namespace, string typeName)
    {
        if (@namespace.Length > 0)
        {
            name.Append(@namespace).Append('.');
        }

        name.Append(typeName);
    }
}
