namespace Kindling.Health.Probes;

/// <summary>
/// A node's health is the health of its services: every check of every address must pass. The checks run
/// concurrently, so a round takes as long as its slowest check.
/// </summary>
internal sealed class NodeProbe(IReadOnlyList<IHealthProbe> checks) : IHealthProbe
{
    public string Target { get; } = string.Join(", ", checks.Select(c => c.Target));

    public IReadOnlyList<IHealthProbe> Checks => checks;

    public async Task<ProbeOutcome> ProbeAsync(CancellationToken cancellationToken)
    {
        if (checks.Count == 1)
        {
            return await checks[0].ProbeAsync(cancellationToken);
        }

        var outcomes = await Task.WhenAll(checks.Select(c => c.ProbeAsync(cancellationToken)));
        var latency = outcomes.Max(o => o.Latency);
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (!outcomes[i].Healthy)
            {
                return new ProbeOutcome(false, latency, $"{checks[i].Target}: {outcomes[i].Detail}", outcomes[i].Draining);
            }
        }

        return ProbeOutcome.Up(latency);
    }
}
