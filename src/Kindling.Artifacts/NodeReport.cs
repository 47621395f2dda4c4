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

    /// <summary>The section's JSON for <c>/healthz</c> (a fresh object on every call: the caller owns it).</summary>
    System.Text.Json.Nodes.JsonObject Health();

    /// <summary>Appends metrics in the Prometheus text exposition format (with HELP and TYPE lines).</summary>
    void WriteMetrics(StringBuilder text);
}
