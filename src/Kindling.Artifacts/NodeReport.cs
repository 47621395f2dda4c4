using System.Text;

namespace Kindling.Artifacts;

/// <summary>
/// A part of the node that is not a service on a port but reports beside them (continuous replication): a
/// section of <c>/healthz</c> and lines of <c>/metrics</c>. It never makes the node unhealthy: a backup that lags
/// still serves what it holds.
/// </summary>
public interface INodeReport
{
    /// <summary>The section's name in <c>/healthz</c>.</summary>
    string Name { get; }

    /// <summary>A JSON-serializable object for <c>/healthz</c>.</summary>
    object Health();

    /// <summary>Appends metrics in the Prometheus text exposition format (with HELP and TYPE lines).</summary>
    void WriteMetrics(StringBuilder text);
}
