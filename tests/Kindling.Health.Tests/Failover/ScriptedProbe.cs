using Kindling.Health.Probes;
using Microsoft.Extensions.Time.Testing;

namespace Kindling.Health.Tests.Failover;

/// <summary>
/// A probe whose health the test sets, on the fake clock: it records when each probe started, and a probe of a
/// "cut" node completes only when its timeout passes on the fake clock (as a real one would).
/// </summary>
internal sealed class ScriptedProbe(FakeTimeProvider time, string target) : IHealthProbe
{
    private readonly List<DateTimeOffset> _starts = [];
    private readonly List<TaskCompletionSource<ProbeOutcome>> _held = [];

    public string Target => target;

    /// <summary>Healthy, refused (fails at once), or cut (fails after <see cref="Timeout"/>).</summary>
    public NodeCondition Condition { get; set; } = NodeCondition.Healthy;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(500);

    public IReadOnlyList<DateTimeOffset> Starts
    {
        get
        {
            lock (_starts)
            {
                return [.. _starts];
            }
        }
    }

    /// <summary>Finishes the probe that started <paramref name="index"/>-th (from 0) while the node was <see cref="NodeCondition.Held"/>.</summary>
    public void Finish(int index, ProbeOutcome outcome)
    {
        TaskCompletionSource<ProbeOutcome> held;
        lock (_starts)
        {
            held = _held[index];
        }

        held.SetResult(outcome);
    }

    public Task<ProbeOutcome> ProbeAsync(CancellationToken cancellationToken)
    {
        lock (_starts)
        {
            _starts.Add(time.GetUtcNow());
            if (Condition == NodeCondition.Held)
            {
                var held = new TaskCompletionSource<ProbeOutcome>();
                _held.Add(held);
                return held.Task;
            }
        }

        return Condition switch
        {
            NodeCondition.Healthy => Task.FromResult(ProbeOutcome.Up(TimeSpan.FromMilliseconds(1))),
            NodeCondition.Refused => Task.FromResult(ProbeOutcome.Down(TimeSpan.FromMilliseconds(1), "connection refused")),
            NodeCondition.Hung => new TaskCompletionSource<ProbeOutcome>().Task,
            NodeCondition.Draining => Task.FromResult(new ProbeOutcome(false, TimeSpan.FromMilliseconds(1), "draining (status 503)", Draining: true)),
            _ => TimeOutAsync(cancellationToken),
        };
    }

    private async Task<ProbeOutcome> TimeOutAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout, time, cancellationToken);
        return ProbeOutcome.Down(Timeout, "timed out after 500 ms");
    }
}

internal enum NodeCondition
{
    Healthy,
    Refused,
    Cut,

    /// <summary>A probe that never returns (a bug; the monitor must not stall on it).</summary>
    Hung,

    /// <summary>Each probe finishes when the test calls <see cref="ScriptedProbe.Finish"/>, in the order the test chooses.</summary>
    Held,

    /// <summary>The node answers /healthz 503 draining (planned maintenance).</summary>
    Draining,
}
