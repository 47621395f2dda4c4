using Kindling.Health.Failover;
using Kindling.Health.Observability;
using Kindling.Health.Probes;
using Kindling.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static Kindling.Health.Tests.Failover.Records;

namespace Kindling.Health.Tests.Failover;

/// <summary>
/// The monitor's liveness evidence: when a side's probes stop finishing for a reason the code does not foresee
/// (here: its one-shot timers are lost), the watchdog flags it in the log, /status and /metrics, and restarts it.
/// </summary>
public sealed class WatchdogTests : IAsyncDisposable
{
    private const string Name = "www.tinder-node-server.com.";
    private readonly FakeTimeProvider _fake = new(T0);
    private readonly LosingTimers _time;
    private readonly ScriptedProbe _primary;
    private readonly ScriptedProbe _backup;
    private readonly LogLines _log = new();
    private readonly FailoverMonitor _monitor;

    public WatchdogTests()
    {
        _time = new LosingTimers(_fake);
        _primary = new ScriptedProbe(_fake, "primary") { Condition = NodeCondition.Held };
        _backup = new ScriptedProbe(_fake, "backup");
        _monitor = new FailoverMonitor([Www()], new FailoverMonitorOptions
        {
            Time = _time,
            Logger = _log,
            Probes = (_, side) => side == Side.Primary ? _primary : _backup,
        });
    }

    public ValueTask DisposeAsync() => _monitor.DisposeAsync();

    private void Advance(double seconds)
    {
        for (var i = 0; i < Math.Round(seconds * 100); i++)
        {
            _fake.Advance(TimeSpan.FromMilliseconds(10));
        }
    }

    private SideStatus Primary => Assert.Single(_monitor.Status()).Primary;

    [Fact]
    public void StalledSide_IsFlaggedAfterThreeIntervalsPastTheGuard_AndClearedByItsNextResult()
    {
        _time.LoseOneShotTimers = true; // no side timer and no probe guard will ever fire
        _monitor.Start();

        Advance(4.95);
        Assert.Equal((0L, null, false), (Primary.Probes, Primary.LastCheckAt, Primary.Stalled));
        Assert.InRange(Primary.SecondsSinceLastCheck, 4.9, 5);
        Assert.DoesNotContain(_log.Lines, l => l.Level == LogLevel.Warning);

        Advance(0.05); // 5 s: guard (2 x 500 ms + 1 s) + 3 intervals
        Assert.True(Primary.Stalled);
        Assert.Contains((LogLevel.Warning, $"{Name}: no check of the primary has finished for 5 s (expected every 1 s; 1 still running): its checks have stalled, restarting them"), _log.Lines);
        Assert.Contains($"kindling_failover_side_stalled{{name=\"{Name}\",side=\"primary\"}} 1\n", FailoverMetrics.Render(_monitor), StringComparison.Ordinal);

        // The backup's probe finished at 0 s and its timer was lost too: the watchdog restarted it.
        Assert.Equal(2, _backup.Starts.Count);
        Assert.Contains((LogLevel.Warning, $"{Name}: checks of the backup resumed after 5 s without one"), _log.Lines);
        Assert.False(Assert.Single(_monitor.Status()).Backup.Stalled);

        _primary.Finish(0, ProbeOutcome.Up(TimeSpan.FromMilliseconds(1)));
        Assert.Equal((1L, _fake.GetUtcNow(), false, SideState.Up), (Primary.Probes, Primary.LastCheckAt, Primary.Stalled, Primary.State));
        Assert.Contains($"kindling_failover_side_stalled{{name=\"{Name}\",side=\"primary\"}} 0\n", FailoverMetrics.Render(_monitor), StringComparison.Ordinal);
    }

    [Fact]
    public void FirstCheck_IsLoggedEvenWhenItChangesNothing()
    {
        _primary.Condition = NodeCondition.Refused;
        _monitor.Start();

        Assert.Contains((LogLevel.Information, $"{Name}: first check of the primary: connection refused; still unknown (1 of 3 failures to declare it down)"), _log.Lines);
        Assert.Contains((LogLevel.Information, $"{Name}: backup is up: ok"), _log.Lines);
        Assert.Equal(1, Primary.Probes);
        Assert.Equal(T0, Primary.LastCheckAt);
    }

    /// <summary>Delegates to a fake clock, but can drop every one-shot timer: a schedule lost to an unforeseen bug.</summary>
    private sealed class LosingTimers(FakeTimeProvider fake) : TimeProvider
    {
        public bool LoseOneShotTimers { get; set; }

        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

        public override long GetTimestamp() => fake.GetTimestamp();

        public override long TimestampFrequency => fake.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new Losing(this, fake.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
            timer.Change(dueTime, period);
            return timer;
        }

        private sealed class Losing(LosingTimers owner, ITimer inner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) =>
                (owner.LoseOneShotTimers && period == Timeout.InfiniteTimeSpan && dueTime != Timeout.InfiniteTimeSpan) || inner.Change(dueTime, period);

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
