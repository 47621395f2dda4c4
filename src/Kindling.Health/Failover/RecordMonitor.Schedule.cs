using Kindling.Health.Probes;

namespace Kindling.Health.Failover;

/// <summary>The probe schedule of both sides: start, count, reschedule, and the watchdog.</summary>
internal sealed partial class RecordMonitor
{
    private void Fire(SideSchedule side)
    {
        long sequence;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            var health = _machine[side.Side];
            var limit = health.Suspect ? health.FailuresToFall : 1;
            var now = _time.GetUtcNow();
            var period = PeriodOf(health);
            if (side.Outstanding >= limit)
            {
                // Enough probes are out: each reschedules when it finishes. The timer stays armed all the same,
                // so no path can leave a side without a next tick.
                Arm(side, period);
                return;
            }

            sequence = ++side.Started;
            side.Outstanding++;

            // Count from when the probe was due, not when the timer got round to it, so the schedule does not drift.
            side.LastStart = side.Due is { } due && due <= now && now - due < period ? due : now;
            side.Due = side.LastStart + period;
            Arm(side, side.Due.Value - now);
        }

        Track(ProbeAsync(side, sequence));
    }

    private async Task ProbeAsync(SideSchedule side, long sequence)
    {
        if (await RunProbeAsync(side) is not { } outcome)
        {
            return;
        }

        ProbeFollowUp followUp;
        lock (_lock)
        {
            side.Outstanding--;
            if (_stopped)
            {
                return;
            }

            followUp = Complete(side, sequence, outcome);
        }

        Announce(side, followUp);
    }

    /// <summary>Runs one probe of the side; a probe that fails or outlives the guard is a down outcome; null when stopping.</summary>
    private async Task<ProbeOutcome?> RunProbeAsync(SideSchedule side)
    {
        var guard = Guard;
        try
        {
            // Probes honour their own timeout; the guard keeps the schedule going should one ever hang anyway.
            return await side.Probe.ProbeAsync(_stop.Token).WaitAsync(guard, _time, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return null;
        }
        catch (TimeoutException)
        {
            return ProbeOutcome.Down(guard, $"the probe did not finish within {FailoverStateMachine.Format(guard)}");
        }
        catch (Exception e)
        {
            return ProbeOutcome.Down(TimeSpan.Zero, $"probe error: {e.Message}");
        }
    }

    /// <summary>
    /// Records a finished probe under the lock: its latency and recent check, its verdict (unless a newer probe's
    /// already stands), and the side's next probe; returns what to announce once the lock is released.
    /// </summary>
    private ProbeFollowUp Complete(SideSchedule side, long sequence, ProbeOutcome outcome)
    {
        Evaluation evaluation = default;
        SideChange? change = null;
        IReadOnlyList<SideChange> agreed = [];
        var viewChanged = false;
        string? first = null;
        TimeSpan? quiet = null;
        var now = _time.GetUtcNow();
        side.Latency.Observe(outcome.Latency);
        side.Completed++;
        if (side.Stalled)
        {
            side.Stalled = false;
            quiet = side.SinceLastCompleted(now);
        }

        side.LastCompletedAt = now;
        side.Remember(new RecentCheck(now, outcome.Healthy, Math.Round(outcome.Latency.TotalSeconds, 4), outcome.Healthy ? null : outcome.Detail));

        // An older overlapping probe that finishes after a newer one is not counted (the newer result stands),
        // but it still reschedules below: once, returning here without rescheduling stopped a side's checks
        // for good (a skipped tick had left it to this probe to re-arm the timer).
        if (sequence > side.Applied)
        {
            side.Applied = sequence;
            evaluation = _machine.Observe(side.Side, outcome, now, out change);
            Remember(evaluation.Transition);
            if (side.Completed == 1 && change is null)
            {
                first = Describe(side.Side, outcome);
            }

            if (evaluation.Transition is not null)
            {
                _events.Publish(BuildAnswer());
            }

            ArmFailback(now);
            agreed = _machine.TakeAgreed();
            viewChanged = VoteChanged(side.Side);
        }

        var fireNow = Reschedule(side, now);
        return new ProbeFollowUp(evaluation, change, agreed, viewChanged, first, quiet, fireNow);
    }

    /// <summary>Outside the lock: logs and events for what a finished probe changed, and the next probe if it is due.</summary>
    private void Announce(SideSchedule side, ProbeFollowUp followUp)
    {
        if (followUp.Quiet is { } gap)
        {
            _events.Resumed(_machine.NameText, side.Side, gap);
        }

        if (followUp.FireNow)
        {
            Fire(side);
        }

        if (followUp.First is { } first)
        {
            _events.FirstCheck(_machine.NameText, side.Side, first);
        }

        if (followUp.ViewChanged)
        {
            _events.ViewChanged();
        }

        Report(followUp.Agreed);
        if (followUp.Evaluation.Transition is not null || followUp.Change is not null)
        {
            _events.Changed(followUp.Evaluation.Transition, followUp.Change, modeChanged: false);
        }

        if (followUp.Evaluation.AwaitingParity)
        {
            CheckParity();
        }
    }

    /// <summary>What a finished probe leaves to do once the lock is released.</summary>
    private readonly record struct ProbeFollowUp(
        Evaluation Evaluation,
        SideChange? Change,
        IReadOnlyList<SideChange> Agreed,
        bool ViewChanged,
        string? First,
        TimeSpan? Quiet,
        bool FireNow);

    /// <summary>Arms the side's timer for its next probe; true when that probe is already due (start it now).</summary>
    private bool Reschedule(SideSchedule side, DateTimeOffset now)
    {
        side.Due = side.LastStart + PeriodOf(_machine[side.Side]);
        if (side.Due <= now)
        {
            return true; // a timed-out probe: the next one is already due
        }

        Arm(side, side.Due.Value - now);
        return false;
    }

    /// <summary>Every interval: flags a side whose probes have stopped finishing, and restarts its schedule.</summary>
    private void Watch()
    {
        List<(SideSchedule Side, TimeSpan Quiet, int Outstanding)> stalled = [];
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            var now = _time.GetUtcNow();
            foreach (var side in _sides)
            {
                var quiet = side.SinceLastCompleted(now);
                if (!side.Stalled && quiet >= StallAfter)
                {
                    side.Stalled = true;
                    stalled.Add((side, quiet, side.Outstanding));
                }
            }
        }

        foreach (var (side, quiet, outstanding) in stalled)
        {
            _events.Stalled(_machine.NameText, side.Side, quiet, outstanding, Record.Timings.Interval);
            Fire(side);
        }
    }

    private string Describe(Side side, ProbeOutcome outcome)
    {
        var health = _machine[side];
        return health.State == SideState.Unknown
            ? $"{outcome.Detail}; still unknown ({health.ConsecutiveFailures} of {Record.Timings.Fall} failures to declare it down)"
            : $"{outcome.Detail}; {health.State.ToString().ToLowerInvariant()}";
    }

    private static void Arm(SideSchedule side, TimeSpan delay)
    {
        // At least one tick: a timer never fires inside the lock that arms it (a fake clock would).
        side.Timer!.Change(delay < MinimumDelay ? MinimumDelay : delay, Timeout.InfiniteTimeSpan);
    }

    private static readonly TimeSpan MinimumDelay = TimeSpan.FromTicks(1);

    private TimeSpan PeriodOf(SideHealth health) => health.Suspect ? Record.Timings.FastInterval : Record.Timings.Interval;
}
