namespace Kindling.Health.Probes;

/// <summary>
/// The result of one probe: healthy or not, how long it took, and what was seen (for logs and status).
/// <paramref name="Draining"/>: the node said it is being drained for planned work (<c>/healthz</c> 503 with
/// <c>"status": "draining"</c>); it counts as a failure, and the status shows the side as draining.
/// </summary>
public readonly record struct ProbeOutcome(bool Healthy, TimeSpan Latency, string Detail, bool Draining = false)
{
    public static ProbeOutcome Up(TimeSpan latency, string detail = "ok") => new(true, latency, detail);

    public static ProbeOutcome Down(TimeSpan latency, string detail) => new(false, latency, detail);
}

/// <summary>One health check of one node (or of a whole node: see <see cref="NodeProbe"/>).</summary>
public interface IHealthProbe
{
    /// <summary>What is probed, e.g. <c>https://127.0.0.2:443/healthz</c>.</summary>
    string Target { get; }

    /// <summary>Probes once. Never throws for a failed check: failures are outcomes; it honours its own timeout.</summary>
    Task<ProbeOutcome> ProbeAsync(CancellationToken cancellationToken);
}
