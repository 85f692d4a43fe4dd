using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OdigosUi.Resources.Catalog;
using OdigosUi.Resources.Destinations;
using OdigosUi.Resources.Sources;
using OdigosUi.Resources.Stores;
using OdigosUi.Resources.Stores.Kubernetes;

namespace OdigosUi.Resources;

public static class ResourceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the resource layer: <see cref="ResourceOptions"/> (from <c>Storage:DataDir</c>, <c>Kubernetes:Namespace</c>),
    /// <see cref="IResourceStore"/> (by <c>Kubernetes:Mode</c>: a <see cref="KubernetesResourceStore"/> in a cluster, else the embedded store), <see cref="DestinationCatalog"/>,
    /// <see cref="DestinationService"/>, <see cref="SourceService"/> and <see cref="SourceRegistry"/> (run as a hosted
    /// service). Registrations already present win (TryAdd), so a test can put its own store first.
    /// </summary>
    public static IServiceCollection AddOdigosResources(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<ResourceOptions>()
            .Configure(options =>
            {
                options.DataDir = ResourceOptions.ResolveDataDir(configuration[ResourceOptions.DataDirKey]);
                if (configuration[ResourceOptions.NamespaceKey] is { Length: > 0 } ns)
                {
                    options.Namespace = ns.Trim();
                }
            })
            .Validate(o => ResourceNames.IsValidNamespace(o.Namespace), $"{ResourceOptions.NamespaceKey} must be a namespace name (lower-case letters, digits and '-', at most 63 characters).")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        AddKubernetesClient(services, configuration);
        services.TryAddSingleton<IResourceStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ResourceOptions>>().Value;
            if (sp.GetService<IKubernetes>() is { } client)
            {
                sp.GetRequiredService<ILogger<KubernetesResourceStore>>().LogInformation(
                    "Resources live in the cluster at {Host} (namespace {Namespace})", client.BaseUri, options.Namespace);
                return new KubernetesResourceStore(client, sp.GetRequiredService<ILogger<KubernetesResourceStore>>());
            }

            var logger = sp.GetRequiredService<ILogger<EmbeddedResourceStore>>();
            if (options.DataDir is null)
            {
                logger.LogWarning("Resources are kept in memory only (no {Key}): Destinations and Sources are lost at exit", ResourceOptions.DataDirKey);
            }

            return new EmbeddedResourceStore(options.DataDir, logger, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton(_ => DestinationCatalog.LoadEmbedded());
        services.TryAddSingleton<DestinationService>();
        services.TryAddSingleton<SourceService>();
        services.TryAddSingleton<SourceRegistry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SourceRegistryHostedService>());
        return services;
    }

    /// <summary>
    /// In a cluster, the <see cref="IWorkloadCatalog"/> of its Deployments, StatefulSets, DaemonSets and CronJobs, refreshed
    /// in the background, for the Sources page. Only the UI needs it (and only its ServiceAccount may list workloads).
    /// </summary>
    public static IServiceCollection AddWorkloadCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        if (AddKubernetesClient(services, configuration))
        {
            services.TryAddSingleton<IWorkloadCatalog>(sp => new KubernetesWorkloadCatalog(
                sp.GetRequiredService<IKubernetes>(), sp.GetRequiredService<ILogger<KubernetesWorkloadCatalog>>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WorkloadCatalogRefresher>());
        }

        return services;
    }

    /// <summary>
    /// In a cluster, the <see cref="KubernetesPodIndex"/> of this node's pods (<c>Kubernetes:NodeName</c>, else the
    /// <c>NODE_NAME</c> environment variable; every pod when neither is set), kept current in the background, for the
    /// node collector to name the workload of a profiled process. Nothing is registered in embedded mode.
    /// </summary>
    public static IServiceCollection AddPodIndex(this IServiceCollection services, IConfiguration configuration)
    {
        if (!AddKubernetesClient(services, configuration))
        {
            return services;
        }

        services.AddOptions<PodIndexOptions>()
            .Configure(options =>
            {
                options.NodeName = configuration[ResourceOptions.NodeNameKey] is { Length: > 0 } node ? node
                    : configuration["NODE_NAME"] is { Length: > 0 } downward ? downward
                    : null;
                options.MaxPods = configuration.GetValue(ResourceOptions.MaxPodsKey, options.MaxPods);
            })
            .Validate(o => o.MaxPods > 0, $"{ResourceOptions.MaxPodsKey} must be a positive number of pods.")
            .ValidateOnStart();
        services.TryAddSingleton(sp => new KubernetesPodIndex(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<IOptions<PodIndexOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<KubernetesPodIndex>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PodIndexHostedService>());
        return services;
    }

    /// <summary>
    /// In a cluster (by <c>Kubernetes:Mode</c>), the one <see cref="IKubernetes"/> client that the store, the workload
    /// catalog and the pod index share (one connection pool, one set of credentials read once); false in embedded mode.
    /// </summary>
    private static bool AddKubernetesClient(IServiceCollection services, IConfiguration configuration)
    {
        if (KubernetesStoreMode.Resolve(configuration[ResourceOptions.ModeKey]) != ResourceBackend.Cluster)
        {
            return false;
        }

        services.TryAddSingleton<IKubernetes>(_ => new k8s.Kubernetes(KubernetesStoreMode.BuildClientConfiguration()));
        return true;
    }
}

internal sealed class PodIndexHostedService(KubernetesPodIndex index) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => index.RunAsync(stoppingToken);
}
