using OdigosUi.Profiles.Model;

namespace OdigosUi.Pipeline.Collector;

/// <summary>Which workloads the node collector forwards: those with an enabled Source resource.</summary>
public interface ISourceFilter
{
    bool IsEnabled(SourceKey source);
}

/// <summary>A filter that is the union of others (e.g. Source resources, and Sources someone is looking at).</summary>
public sealed class AnySourceFilter(IEnumerable<ISourceFilter> filters) : ISourceFilter
{
    private readonly ISourceFilter[] _filters = [.. filters];

    public bool IsEnabled(SourceKey source)
    {
        foreach (var filter in _filters)
        {
            if (filter.IsEnabled(source))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Forwards every workload; for tests and for a collector told to keep everything.</summary>
public sealed class AllSourcesFilter : ISourceFilter
{
    public bool IsEnabled(SourceKey source) => true;
}
