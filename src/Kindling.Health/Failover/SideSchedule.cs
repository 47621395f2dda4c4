using Kindling.Health.Observability;
using Kindling.Health.Probes;

namespace Kindling.Health.Failover;

/// <summary>
/// The probe schedule of one side of a record, and the evidence that it is alive: when the last probe finished
/// and whether the watchdog has flagged it. Not thread-safe: its <see cref="RecordMonitor"/>'s lock guards it.
/// </summary>
internal sealed class SideSchedule(Side side, IHealthProbe probe)
{
    public Side Side { get; } = side;

    public IHealthProbe Probe { get; } = probe;

    public ITimer? Timer { get; set; }

    public LatencyHistogram Latency { get; } = new();

    /// <summary>Sequence number of the last probe started.</summary>
    public long Started { get; set; }

    /// <summary>Sequence number of the newest probe whose result was counted.</summary>
    public long Applied { get; set; }

    /// <summary>Probes started and not finished (overlapping fast re-probes of a suspect side).</summary>
    public int Outstanding { get; set; }

    /// <summary>Probes finished, counted or not.</summary>
    public long Completed { get; set; }

    public DateTimeOffset LastStart { get; set; }

    /// <summary>When the next probe is due.</summary>
    public DateTimeOffset? Due { get; set; }

    /// <summary>When the last probe finished (whatever its result); null before the first.</summary>
    public DateTimeOffset? LastCompletedAt { get; set; }

    /// <summary>When the monitor started probing this side.</summary>
    public DateTimeOffset RunningSince { get; set; }

    /// <summary>True from the watchdog's warning until the next probe finishes.</summary>
    public bool Stalled { get; set; }

    /// <summary>The checks of the last <see cref="RecentWindow"/> (at most <see cref="RecentLimit"/>), oldest first.</summary>
    public Queue<RecentCheck> Recent { get; } = new();

    public static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(5);

    public const int RecentLimit = 180;

    /// <summary>Keeps a finished check for the timeline, dropping what is older than the window.</summary>
    public void Remember(RecentCheck check)
    {
        Recent.Enqueue(check);
        while (Recent.Count > RecentLimit || (Recent.Count > 0 && check.At - Recent.Peek().At > RecentWindow))
        {
            Recent.Dequeue();
        }
    }

    /// <summary>Time since the last probe finished (or since the monitor started, before the first).</summary>
    public TimeSpan SinceLastCompleted(DateTimeOffset now) => now - (LastCompletedAt ?? RunningSince);
}
