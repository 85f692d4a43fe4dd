using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OdigosUi.Resources.Catalog;
using OdigosUi.Resources.Model;
using OdigosUi.Resources.Serialization;
using OdigosUi.Resources.Stores;

namespace OdigosUi.Resources.Destinations;

/// <summary>
/// The logic behind the Destination API: validates requests against the catalog, writes <c>Destination</c> resources
/// (non-secret fields in <c>spec.data</c>) and their <c>Secret</c> (secret fields, owned by the Destination, as Odigos
/// does), and reads them back without secret values. Also resolves Destinations for the exporters and records their
/// <c>DestinationConfigured</c> condition.
/// </summary>
public sealed class DestinationService
{
    /// <summary>The generateName prefix of Destinations and their Secrets, followed by the type (Odigos' convention).</summary>
    public const string GenerateNamePrefix = "odigos.io.dest.";

    /// <summary>
    /// Annotation on a Destination with the resourceVersion of its Secret when the service last wrote it, so that a
    /// change of secret values alone also changes the Destination (and reaches its watchers).
    /// </summary>
    public const string SecretVersionAnnotation = "ui.odigos.io/secret-resource-version";

    public const int MaxNameLength = 253;
    private const int MaxConditionMessage = 32768;
    private const int MaxAttempts = 5;

    private readonly IResourceStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public DestinationService(
        IResourceStore store,
        DestinationCatalog catalog,
        IOptions<ResourceOptions> options,
        ILogger<DestinationService>? logger = null,
        TimeProvider? timeProvider = null)
    {
        _store = store;
        Catalog = catalog;
        Namespace = options.Value.Namespace;
        _logger = logger ?? NullLogger<DestinationService>.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    public DestinationCatalog Catalog { get; }

    /// <summary>The namespace of the Destinations and their Secrets.</summary>
    public string Namespace { get; }

    public IReadOnlyList<DestinationTypeDto> ListTypes() => [.. Catalog.Types.Select(DestinationTypeDto.From)];

    public async Task<IReadOnlyList<DestinationDto>> ListAsync(CancellationToken cancellationToken = default)
    {
        // Each Destination's Secret is read by name: the chart grants no list or watch on Secrets.
        var destinations = await _store.ListAsync<Destination>(Namespace, cancellationToken).ConfigureAwait(false);
        var result = new List<DestinationDto>(destinations.Count);
        foreach (var destination in destinations)
        {
            result.Add(ToDto(destination, await GetSecretAsync(destination, cancellationToken).ConfigureAwait(false)));
        }

        return result;
    }

    /// <summary>The Destination with that id (resource name), or null.</summary>
    public async Task<DestinationDto?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var destination = await _store.GetAsync<Destination>(Namespace, id, cancellationToken).ConfigureAwait(false);
        return destination is null ? null : ToDto(destination, await GetSecretAsync(destination, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Checks a request. Keys of the result are <c>type</c>, <c>name</c>, <c>signals</c> and <c>fields.NAME</c>;
    /// empty when valid. <paramref name="storedSecretFields"/> (on update) are secret fields that already have a value.
    /// </summary>
    public IReadOnlyDictionary<string, string[]> Validate(DestinationRequest request, IReadOnlyCollection<string>? storedSecretFields = null) =>
        Check(request, storedSecretFields ?? [], out _);

    /// <summary>
    /// Checks an update of <paramref name="existing"/> as <see cref="UpdateAsync"/> will (the wizard asks before it
    /// saves): besides <see cref="Validate(DestinationRequest, IReadOnlyCollection{string})"/>, a stored secret left out
    /// while a connection field changed must be entered again.
    /// </summary>
    public IReadOnlyDictionary<string, string[]> Validate(DestinationRequest request, DestinationDto existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        var errors = Check(request, existing.SecretFields, out var valid);
        return valid is null ? errors : StaleSecretErrors(valid, existing.Fields, existing.SecretFields);
    }

    /// <summary>Creates a Destination (and its Secret when a secret field is set).</summary>
    /// <exception cref="DestinationValidationException">The request is not valid.</exception>
    public async Task<DestinationDto> CreateAsync(DestinationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = Check(request, [], out var valid);
        if (valid is null)
        {
            throw new DestinationValidationException(errors);
        }

        string prefix = GenerateNamePrefix + valid.Definition.Type + "-";
        var secretValues = valid.Secrets.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal);
        Secret? secret = null;
        if (secretValues.Count > 0)
        {
            secret = new Secret { Metadata = { GenerateName = prefix, Namespace = Namespace } };
            foreach (var (key, value) in secretValues)
            {
                secret.SetString(key, value);
            }

            secret = await _store.CreateAsync(secret, cancellationToken).ConfigureAwait(false);
        }

        var destination = new Destination
        {
            Metadata = { GenerateName = prefix, Namespace = Namespace },
            Spec = new DestinationSpec
            {
                Type = valid.Definition.Type,
                DestinationName = valid.Name,
                Data = valid.Data,
                Signals = valid.Signals,
                Disabled = valid.Disabled ?? false ? true : null,
                SecretRef = secret is null ? null : new LocalObjectReference { Name = secret.Metadata.Name! },
            },
        };
        if (secret is not null)
        {
            destination.Metadata.Annotations = new() { [SecretVersionAnnotation] = secret.Metadata.ResourceVersion! };
        }

        Destination created;
        try
        {
            created = await _store.CreateAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (secret is not null)
            {
                await _store.DeleteAsync<Secret>(Namespace, secret.Metadata.Name!, CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }

        if (secret is not null)
        {
            secret = await SetOwnerAsync(secret, created, cancellationToken).ConfigureAwait(false);
        }

        _logger.LogInformation("Created {Type} destination {Id} ({Name})", created.Spec.Type, created.Metadata.Name, created.Spec.DestinationName);
        return ToDto(created, secret);
    }

    /// <summary>
    /// Replaces a Destination's name, signals, fields and disabled flag (its type cannot change). Secret fields left
    /// out keep their stored values. Without <see cref="DestinationRequest.ResourceVersion"/>, a concurrent change is
    /// retried; with it, a different stored version is a conflict.
    /// </summary>
    /// <exception cref="ResourceNotFoundException">No such Destination.</exception>
    /// <exception cref="ResourceConflictException">The Destination changed since <see cref="DestinationRequest.ResourceVersion"/>.</exception>
    /// <exception cref="DestinationValidationException">The request is not valid.</exception>
    public async Task<DestinationDto> UpdateAsync(string id, DestinationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (int attempt = 1; ; attempt++)
        {
            var destination = await _store.GetAsync<Destination>(Namespace, id, cancellationToken).ConfigureAwait(false)
                ?? throw ResourceNotFoundException.For(Destination.ResourceType, id);
            if (!string.IsNullOrEmpty(request.ResourceVersion) && request.ResourceVersion != destination.Metadata.ResourceVersion)
            {
                throw ResourceConflictException.Modified(Destination.ResourceType, id);
            }

            string? requestedType = request.Type?.Trim();
            if (!string.IsNullOrEmpty(requestedType) && requestedType != destination.Spec.Type)
            {
                throw new DestinationValidationException(new Dictionary<string, string[]>
                {
                    ["type"] = [$"The type of a destination cannot be changed (this one is {destination.Spec.Type})."],
                });
            }

            Secret? storedSecret = await GetSecretAsync(destination, cancellationToken).ConfigureAwait(false);
            var inSecret = storedSecret?.GetStrings() ?? [];
            var storedSecretValues = StoredSecretValues(destination, storedSecret);
            var effective = new DestinationRequest
            {
                Type = destination.Spec.Type,
                Name = request.Name,
                Signals = request.Signals,
                Fields = request.Fields,
                Disabled = request.Disabled ?? destination.Spec.Disabled ?? false,
            };
            var errors = Check(effective, storedSecretValues.Keys, out var valid);
            if (valid is null)
            {
                throw new DestinationValidationException(errors);
            }

            if (StaleSecretErrors(valid, destination.Spec.Data, storedSecretValues.Keys) is { Count: > 0 } stale)
            {
                throw new DestinationValidationException(stale);
            }

            // Secret values (those of legacy resources kept in spec.data included: they move to the Secret): the stored ones, overwritten by those given, without those cleared ("").
            var secretValues = new Dictionary<string, string>(storedSecretValues, StringComparer.Ordinal);
            foreach (var (key, value) in valid.Secrets)
            {
                if (string.IsNullOrEmpty(value))
                {
                    secretValues.Remove(key);
                }
                else
                {
                    secretValues[key] = value;
                }
            }

            string? createdSecret = null;
            try
            {
                Secret? secret = storedSecret;
                if (secretValues.Count > 0 && storedSecret is not null && !SameValues(inSecret, secretValues))
                {
                    storedSecret.Data = null;
                    storedSecret.StringData = null;
                    foreach (var (key, value) in secretValues)
                    {
                        storedSecret.SetString(key, value);
                    }

                    secret = await _store.UpdateAsync(storedSecret, cancellationToken).ConfigureAwait(false);
                }
                else if (secretValues.Count > 0 && storedSecret is null)
                {
                    secret = new Secret
                    {
                        Metadata =
                        {
                            GenerateName = GenerateNamePrefix + destination.Spec.Type + "-",
                            Namespace = Namespace,
                            OwnerReferences = [OwnerReference.To(destination)],
                        },
                    };
                    foreach (var (key, value) in secretValues)
                    {
                        secret.SetString(key, value);
                    }

                    secret = await _store.CreateAsync(secret, cancellationToken).ConfigureAwait(false);
                    createdSecret = secret.Metadata.Name;
                }
                else if (secretValues.Count == 0)
                {
                    secret = null;
                }

                string? secretVersion = secret is null
                    ? null
                    : ReferenceEquals(secret, storedSecret)
                        ? destination.Metadata.Annotations?.GetValueOrDefault(SecretVersionAnnotation) ?? secret.Metadata.ResourceVersion
                        : secret.Metadata.ResourceVersion;

                destination.Spec.DestinationName = valid.Name;
                destination.Spec.Data = valid.Data;
                destination.Spec.Signals = valid.Signals;
                destination.Spec.Disabled = valid.Disabled ?? false ? true : null;
                destination.Spec.SecretRef = secret is null ? null : new LocalObjectReference { Name = secret.Metadata.Name! };
                if (secretVersion is null)
                {
                    destination.Metadata.Annotations?.Remove(SecretVersionAnnotation);
                }
                else
                {
                    (destination.Metadata.Annotations ??= [])[SecretVersionAnnotation] = secretVersion;
                }

                var updated = await _store.UpdateAsync(destination, cancellationToken).ConfigureAwait(false);
                if (secret is null && storedSecret is not null && IsOwnedBy(storedSecret, destination))
                {
                    await _store.DeleteAsync<Secret>(Namespace, storedSecret.Metadata.Name!, cancellationToken).ConfigureAwait(false);
                }

                _logger.LogInformation("Updated {Type} destination {Id} ({Name})", updated.Spec.Type, id, updated.Spec.DestinationName);
                return ToDto(updated, secret);
            }
            catch (ResourceConflictException) when (string.IsNullOrEmpty(request.ResourceVersion) && attempt < MaxAttempts)
            {
                await DeleteCreatedSecretAsync(createdSecret).ConfigureAwait(false);
            }
            catch
            {
                await DeleteCreatedSecretAsync(createdSecret).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Deletes a Destination and the Secret it owns. False when there was none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        bool deleted = await _store.DeleteAsync<Destination>(Namespace, id, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            _logger.LogInformation("Deleted destination {Id}", id);
        }

        return deleted;
    }

    /// <summary>Every Destination with all its field values (secrets included), for the exporters.</summary>
    public async Task<IReadOnlyList<ResolvedDestination>> ResolveForExportAsync(CancellationToken cancellationToken = default)
    {
        var destinations = await _store.ListAsync<Destination>(Namespace, cancellationToken).ConfigureAwait(false);
        var result = new List<ResolvedDestination>(destinations.Count);
        foreach (var destination in destinations)
        {
            Secret? secret = await GetSecretAsync(destination, cancellationToken).ConfigureAwait(false);
            if (destination.Spec.SecretRef is { } reference && secret is null)
            {
                _logger.LogWarning("Destination {Id} refers to Secret {Secret}, which does not exist", destination.Metadata.Name, reference.Name);
            }

            result.Add(Resolve(destination, secret));
        }

        return result;
    }

    /// <summary>
    /// A request resolved like a stored Destination (for a connection test before saving): validated, and with
    /// <paramref name="id"/>, secret fields left out taken from that Destination, but only while its connection
    /// fields are unchanged (see <see cref="UpdateAsync"/>): a stored secret is never sent anywhere else.
    /// </summary>
    /// <exception cref="DestinationValidationException">The request is not valid.</exception>
    /// <exception cref="ResourceNotFoundException"><paramref name="id"/> does not exist.</exception>
    public async Task<ResolvedDestination> ResolveRequestAsync(DestinationRequest request, string? id = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Dictionary<string, string> stored = [];
        Destination? destination = null;
        if (id is not null)
        {
            destination = await _store.GetAsync<Destination>(Namespace, id, cancellationToken).ConfigureAwait(false)
                ?? throw ResourceNotFoundException.For(Destination.ResourceType, id);
            string? requestedType = request.Type?.Trim();
            if (!string.IsNullOrEmpty(requestedType) && requestedType != destination.Spec.Type)
            {
                throw new DestinationValidationException(new Dictionary<string, string[]>
                {
                    ["type"] = [$"Destination {id} is of type {destination.Spec.Type}: test it as that type, or without its id."],
                });
            }

            stored = StoredSecretValues(destination, await GetSecretAsync(destination, cancellationToken).ConfigureAwait(false));
        }

        var errors = Check(request, stored.Keys, out var valid);
        if (valid is null)
        {
            throw new DestinationValidationException(errors);
        }

        if (destination is not null && StaleSecretErrors(valid, destination.Spec.Data, stored.Keys) is { Count: > 0 } stale)
        {
            throw new DestinationValidationException(stale);
        }

        var fields = new Dictionary<string, string>(valid.Data, StringComparer.Ordinal);
        foreach (var (key, value) in stored)
        {
            fields[key] = value;
        }

        foreach (var (key, value) in valid.Secrets)
        {
            if (string.IsNullOrEmpty(value))
            {
                fields.Remove(key);
            }
            else
            {
                fields[key] = value;
            }
        }

        return new ResolvedDestination(id ?? "", valid.Definition.Type, valid.Name, fields, valid.Signals, valid.Disabled ?? false, "request");
    }

    /// <summary>
    /// Records whether the gateway could turn the Destination into an exporter: condition <c>DestinationConfigured</c>,
    /// True (reason <see cref="DestinationConditions.TransformedToOtelcolConfig"/>) or False (reason
    /// <see cref="DestinationConditions.ErrConfigDestination"/>, message the error). Writes nothing when the condition is
    /// already so. False when the Destination does not exist.
    /// </summary>
    public Task<bool> SetConfiguredConditionAsync(string id, bool ok, string reason, string message, CancellationToken cancellationToken = default) =>
        SetConditionAsync(id, DestinationConditions.Configured, ok, reason, message, cancellationToken);

    /// <summary>Sets condition <paramref name="type"/> of a Destination's status; writes nothing when it is already so.</summary>
    public async Task<bool> SetConditionAsync(string id, string type, bool ok, string reason, string message, CancellationToken cancellationToken = default)
    {
        if (message.Length > MaxConditionMessage)
        {
            message = message[..MaxConditionMessage];
        }

        for (int attempt = 1; ; attempt++)
        {
            var destination = await _store.GetAsync<Destination>(Namespace, id, cancellationToken).ConfigureAwait(false);
            if (destination is null)
            {
                return false;
            }

            string status = ok ? ConditionStatus.True : ConditionStatus.False;
            long? generation = destination.Metadata.Generation;
            var conditions = (destination.Status ??= new DestinationStatus()).Conditions ??= [];
            var existing = conditions.FirstOrDefault(c => c.Type == type);
            if (existing is not null && existing.Status == status && existing.Reason == reason && existing.Message == message && existing.ObservedGeneration == generation)
            {
                return true;
            }

            var condition = new Condition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                ObservedGeneration = generation,
                LastTransitionTime = existing is not null && existing.Status == status
                    ? existing.LastTransitionTime
                    : Rfc3339Converter.Truncate(_time.GetUtcNow()),
            };
            if (existing is null)
            {
                conditions.Add(condition);
            }
            else
            {
                conditions[conditions.IndexOf(existing)] = condition;
            }

            try
            {
                await _store.UpdateStatusAsync(destination, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (ResourceConflictException) when (attempt < MaxAttempts)
            {
            }
            catch (ResourceNotFoundException)
            {
                return false;
            }
        }
    }

    private async Task<Secret?> GetSecretAsync(Destination destination, CancellationToken cancellationToken) =>
        destination.Spec.SecretRef is { Name.Length: > 0 } reference
            ? await _store.GetAsync<Secret>(Namespace, reference.Name, cancellationToken).ConfigureAwait(false)
            : null;

    private async Task<Secret> SetOwnerAsync(Secret secret, Destination owner, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                secret.Metadata.OwnerReferences = [OwnerReference.To(owner)];
                return await _store.UpdateAsync(secret, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceConflictException) when (attempt < MaxAttempts)
            {
                secret = await _store.GetAsync<Secret>(Namespace, secret.Metadata.Name!, cancellationToken).ConfigureAwait(false) ?? secret;
            }
            catch (ResourceException ex)
            {
                _logger.LogWarning("Could not make destination {Id} the owner of its Secret {Secret}: {Reason}", owner.Metadata.Name, secret.Metadata.Name, ex.Message);
                return secret;
            }
        }
    }

    private async Task DeleteCreatedSecretAsync(string? name)
    {
        if (name is not null)
        {
            await _store.DeleteAsync<Secret>(Namespace, name, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The stored secret values of a Destination: its Secret's, and secret fields a resource written elsewhere (an
    /// older Odigos, OTLP headers before they became secret) keeps in <c>spec.data</c>, which the next write moves
    /// to the Secret. The Secret wins.
    /// </summary>
    private Dictionary<string, string> StoredSecretValues(Destination destination, Secret? secret)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Catalog.Find(destination.Spec.Type) is { } definition)
        {
            foreach (var (key, value) in destination.Spec.Data)
            {
                if (definition.FindField(key)?.Secret == true && !string.IsNullOrEmpty(value))
                {
                    values[key] = value;
                }
            }
        }

        foreach (var (key, value) in secret?.GetStrings() ?? [])
        {
            values[key] = value;
        }

        return values;
    }

    /// <summary>
    /// Secrets stay home: when any non-secret field (endpoint, TLS, tenant, user name, ...) of a Destination differs
    /// from what is stored, every stored secret the request leaves out must be entered again (or cleared with an
    /// empty value), so a stored password or header is only ever sent where it was entered. Empty when none is stale.
    /// </summary>
    private static Dictionary<string, string[]> StaleSecretErrors(ValidRequest valid, IReadOnlyDictionary<string, string> storedData, IEnumerable<string> storedSecretFields)
    {
        var stale = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var leftOut = storedSecretFields.Where(name => !valid.Secrets.ContainsKey(name)).ToList();
        if (leftOut.Count == 0)
        {
            return stale;
        }

        var changed = valid.Definition.Spec.Fields
            .Where(f => !f.Secret && Comparable(f, valid.Data.GetValueOrDefault(f.Name)) != Comparable(f, storedData.GetValueOrDefault(f.Name)))
            .Select(Label)
            .ToList();
        if (changed.Count == 0)
        {
            return stale;
        }

        foreach (string name in leftOut)
        {
            var field = valid.Definition.FindField(name);
            string label = field is null ? name : Label(field);
            stale["fields." + name] = [$"Enter {label} again: {string.Join(", ", changed)} changed, and a stored secret is only sent where it was entered."];
        }

        return stale;
    }

    /// <summary>A non-secret value as it takes effect: normalized, or the initial value when empty.</summary>
    private static string Comparable(DestinationField field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return field.InitialValue ?? "";
        }

        string trimmed = field.ComponentType == ComponentTypes.TextArea ? value : value.Trim();
        return FieldValueRules.Check(field, trimmed) is { Value: { } normalized, Error: null } ? normalized : trimmed;
    }

    private static bool IsOwnedBy(Secret secret, Destination destination) =>
        secret.Metadata.OwnerReferences?.Any(o => o.Uid == destination.Metadata.Uid) == true;

    private static bool SameValues(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    private DestinationDto ToDto(Destination destination, Secret? secret)
    {
        var definition = Catalog.Find(destination.Spec.Type);
        bool IsSecretField(string name) => definition?.FindField(name)?.Secret == true;
        return new DestinationDto
        {
            Id = destination.Metadata.Name ?? "",
            Type = destination.Spec.Type,
            Name = destination.Spec.DestinationName,
            Signals = [.. destination.Spec.Signals],
            Fields = destination.Spec.Data
                .Where(p => !IsSecretField(p.Key))
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            SecretFields = [.. (secret?.GetStrings().Keys ?? Enumerable.Empty<string>()).Concat(destination.Spec.Data.Keys.Where(IsSecretField)).Distinct().Order(StringComparer.Ordinal)],
            Disabled = destination.Spec.Disabled ?? false,
            Conditions = destination.Status?.Conditions ?? [],
            ResourceVersion = destination.Metadata.ResourceVersion ?? "",
            CreatedAt = destination.Metadata.CreationTimestamp,
        };
    }

    private static ResolvedDestination Resolve(Destination destination, Secret? secret)
    {
        var fields = new Dictionary<string, string>(destination.Spec.Data, StringComparer.Ordinal);
        foreach (var (key, value) in secret?.GetStrings() ?? [])
        {
            fields[key] = value;
        }

        string version = string.Create(CultureInfo.InvariantCulture, $"{destination.Metadata.Generation ?? 0}/{secret?.Metadata.ResourceVersion ?? "-"}");
        return new ResolvedDestination(
            destination.Metadata.Name ?? "",
            destination.Spec.Type,
            destination.Spec.DestinationName,
            fields,
            [.. destination.Spec.Signals],
            destination.Spec.Disabled ?? false,
            version);
    }

    // ---- validation ------------------------------------------------------------------------------------------------

    private sealed record ValidRequest(
        DestinationTypeDefinition Definition,
        string Name,
        List<string> Signals,
        Dictionary<string, string> Data,
        Dictionary<string, string?> Secrets,
        bool? Disabled);

    private IReadOnlyDictionary<string, string[]> Check(DestinationRequest request, IReadOnlyCollection<string> storedSecretFields, out ValidRequest? valid)
    {
        valid = null;
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string key, string message) => (errors.TryGetValue(key, out var list) ? list : errors[key] = []).Add(message);

        DestinationTypeDefinition? definition = null;
        string type = request.Type?.Trim() ?? "";
        if (type.Length == 0)
        {
            Add("type", "The type is required.");
        }
        else if ((definition = Catalog.Find(type)) is null)
        {
            Add("type", $"Unknown destination type '{type}'. Known types: {string.Join(", ", Catalog.Types.Select(t => t.Type).Order(StringComparer.Ordinal))}.");
        }

        string name = request.Name?.Trim() ?? "";
        if (name.Length > MaxNameLength)
        {
            Add("name", $"The name must be at most {MaxNameLength} characters.");
        }
        else if (name.Any(char.IsControl))
        {
            Add("name", "The name must not contain control characters.");
        }

        var signals = new List<string>();
        if (request.Signals is not { Count: > 0 })
        {
            Add("signals", "At least one signal is required.");
        }
        else
        {
            foreach (string? raw in request.Signals)
            {
                string? signal = ObservabilitySignal.Parse(raw);
                if (signal is null)
                {
                    Add("signals", $"Unknown signal '{raw}'. Signals are TRACES, METRICS, LOGS and PROFILES.");
                }
                else if (definition is not null && !definition.Supports(signal))
                {
                    Add("signals", $"{definition.DisplayName} does not support {signal} (supported: {string.Join(", ", definition.SupportedSignals)}).");
                }
                else if (!signals.Contains(signal))
                {
                    signals.Add(signal);
                }
            }
        }

        signals.Sort((a, b) => ObservabilitySignal.Rank(a).CompareTo(ObservabilitySignal.Rank(b)));
        if (definition is null)
        {
            return Freeze(errors);
        }

        var given = request.Fields ?? [];
        foreach (string key in given.Keys)
        {
            if (definition.FindField(key) is null)
            {
                Add("fields." + key, $"Unknown field for {definition.DisplayName}. Its fields are {string.Join(", ", definition.Spec.Fields.Select(f => f.Name))}.");
            }
        }

        // Values used to evaluate render conditions: what was given, else the initial value.
        var effective = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in definition.Spec.Fields)
        {
            string? value = given.GetValueOrDefault(field.Name);
            effective[field.Name] = !string.IsNullOrEmpty(value) ? value.Trim() : field.InitialValue ?? "";
        }

        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in definition.Spec.Fields)
        {
            bool rendered = IsRendered(field, effective);
            string key = "fields." + field.Name;
            given.TryGetValue(field.Name, out string? raw);
            string? value = raw is null || field.Secret || field.ComponentType == ComponentTypes.TextArea ? raw : raw.Trim();

            if (field.Secret)
            {
                if (string.IsNullOrEmpty(value))
                {
                    if (field.Required && rendered && (value is not null || !storedSecretFields.Contains(field.Name)))
                    {
                        Add(key, $"{Label(field)} is required.");
                    }
                    else if (value is not null)
                    {
                        secrets[field.Name] = ""; // clears the stored value
                    }

                    continue;
                }

                var (secretValue, secretError) = FieldValueRules.Check(field, value);
                if (secretError is not null)
                {
                    Add(key, secretError);
                }
                else
                {
                    secrets[field.Name] = secretValue;
                }

                continue;
            }

            if (string.IsNullOrEmpty(value))
            {
                if (!string.IsNullOrEmpty(field.InitialValue))
                {
                    data[field.Name] = field.InitialValue;
                }
                else if (field.Required && rendered)
                {
                    Add(key, $"{Label(field)} is required.");
                }

                continue;
            }

            var (normalized, error) = FieldValueRules.Check(field, value);
            if (error is not null)
            {
                Add(key, error);
            }
            else
            {
                data[field.Name] = normalized!;
            }
        }

        if (errors.Count == 0)
        {
            valid = new ValidRequest(definition, name.Length > 0 ? name : definition.DisplayName, signals, data, secrets, request.Disabled);
        }

        return Freeze(errors);
    }

    private static string Label(DestinationField field) => string.IsNullOrWhiteSpace(field.DisplayName) ? field.Name : field.DisplayName;

    /// <summary><c>[FIELD, "==" | "!=", VALUE]</c> against the effective values (case-insensitive); no condition: shown.</summary>
    public static bool IsRendered(DestinationField field, IReadOnlyDictionary<string, string> effective)
    {
        if (field.RenderCondition is not [var other, var op, var expected])
        {
            return true;
        }

        bool equal = string.Equals(effective.GetValueOrDefault(other) ?? "", expected, StringComparison.OrdinalIgnoreCase);
        return op == "!=" ? !equal : equal;
    }

    private static Dictionary<string, string[]> Freeze(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
}
