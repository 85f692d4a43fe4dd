using OdigosUi.Resources.Model;

namespace OdigosUi.Resources.Stores;

/// <summary>A store refused an operation; <see cref="StatusCode"/> is the HTTP status Kubernetes would answer.</summary>
public abstract class ResourceException : Exception
{
    protected ResourceException(int statusCode, string message, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
    }

    public int StatusCode { get; }
}

/// <summary>409: the name is taken (create), or the object changed since it was read (update).</summary>
public sealed class ResourceConflictException : ResourceException
{
    public ResourceConflictException(string message, Exception? inner = null)
        : base(409, message, inner)
    {
    }

    internal static ResourceConflictException AlreadyExists(ResourceType type, string name) =>
        new($"{type.QualifiedPlural} \"{name}\" already exists");

    internal static ResourceConflictException Modified(ResourceType type, string name) =>
        new($"Operation cannot be fulfilled on {type.QualifiedPlural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
}

/// <summary>404: no such object.</summary>
public sealed class ResourceNotFoundException : ResourceException
{
    public ResourceNotFoundException(string message, Exception? inner = null)
        : base(404, message, inner)
    {
    }

    internal static ResourceNotFoundException For(ResourceType type, string name) => new($"{type.QualifiedPlural} \"{name}\" not found");
}

/// <summary>422: the object is not valid (name, namespace, immutable field, missing resourceVersion, ...).</summary>
public sealed class ResourceInvalidException : ResourceException
{
    public ResourceInvalidException(string message, Exception? inner = null)
        : base(422, message, inner)
    {
    }
}

/// <summary>401/403: the store's credentials may not do this (e.g. RBAC of the role's ServiceAccount).</summary>
public sealed class ResourceForbiddenException : ResourceException
{
    public ResourceForbiddenException(int statusCode, string message, Exception? inner = null)
        : base(statusCode, message, inner)
    {
    }
}
