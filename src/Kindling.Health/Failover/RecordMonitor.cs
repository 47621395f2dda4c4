using Kindling.Health.Observability;
using Kindling.Health.Peers;
using Kindling.Health.Probes;

namespace Kindling.Health.Failover;

/// <summary>
/// Probes both sides of one record on their own schedule (every interval; every fast interval from a first
/// failure until <c>fall</c> or a success, overlapping probes that time out) and feeds the results to the
/// record's <see cref="FailoverStateMachine"/>. Timers come from the injected <see cref="TimeProvider"/>.
/// Liveness: every finished probe reschedules its side (counted or not), a side's timer stays armed while a
/// tick is skipped, and a watchdog warns (and restarts the schedule) when a side has had no finished probe
/// for <see cref="StallAfter"/>.
/// </summary>
internal sealed partial class RecordMonitor : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly FailoverStateMachine _machine;
    private readonly TimeProvider _time;
    private readonly IContentParityGate? _parity;
    private readonly IRecordEvents _events;
    private readonly SideSchedule[] _sides;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _running = [];
    private readonly ITimer _failbackTimer;
    private readonly ITimer _watchdog;
    private bool _stopped;
    private bool _parityRunning;
    private DateTimeOffset _lastParityAt = DateTimeOffset.MinValue;
    private string? _parityDetail;
    private bool? _parityMatch;
    private readonly Queue<RecentTransition> _transitions = new();
    private readonly (SideState State, bool Risen)[] _lastVotes = [(SideState.Unknown, false), (SideState.Unknown, false)];

    /// <summary>Transitions kept for the status page.</summary>
    public const int RecentTransitionLimit = 10;

    public RecordMonitor(FailoverStateMachine machine, Func<Side, IHealthProbe> probes, TimeProvider time, IContentParityGate? parity, IRecordEvents events)
    {
        _machine = machine;
        _time = time;
        _parity = parity;
        _events = events;
        _sides = [new SideSchedule(Side.Primary, probes(Side.Primary)), new SideSchedule(Side.Backup, probes(Side.Backup))];
        _failbackTimer = time.CreateTimer(_ => FailbackDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watchdog = time.CreateTimer(_ => Watch(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        foreach (var side in _sides)
        {
            side.Timer = time.CreateTimer(_ => Fire(side), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public FailoverRecord Record => _machine.Record;

    public LatencyHistogram LatencyOf(Side side) => _sides[(int)side].Latency;

    /// <summary>A probe that has not finished by then (it should: each honours its timeout) counts as failed.</summary>
    public TimeSpan Guard => Record.Timings.Timeout * 2 + TimeSpan.FromSeconds(1);

    /// <summary>
    /// A side with no finished probe for this long has stalled: the longest normal gap is a probe held to the
    /// <see cref="Guard"/> plus an interval, so three intervals past the guard (5 s with the defaults).
    /// </summary>
    public TimeSpan StallAfter => Guard + Record.Timings.Interval * 3;

    /// <summary>Probes both sides now and from then on by their schedule; the watchdog looks every interval.</summary>
    public void Start()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var side in _sides)
            {
                side.RunningSince = now;
            }

            _watchdog.Change(Record.Timings.Interval, Record.Timings.Interval);
        }

        foreach (var side in _sides)
        {
            Fire(side);
        }
    }

    public FailoverAnswer Answer()
    {
        lock (_lock)
        {
            return BuildAnswer();
        }
    }

    public FailoverRecordState Save()
    {
        lock (_lock)
        {
            return _machine.Save();
        }
    }

    public FailoverTransition? SetMode(FailoverMode mode)
    {
        Evaluation evaluation;
        IReadOnlyList<SideChange> agreed;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            evaluation = _machine.SetMode(mode, now);
            Remember(evaluation.Transition);
            _events.Publish(BuildAnswer());
            ArmFailback(now);
            agreed = _machine.TakeAgreed();
        }

        Report(agreed);

        _events.Changed(evaluation.Transition, null, modeChanged: true);
        if (evaluation.AwaitingParity)
        {
            CheckParity();
        }

        return evaluation.Transition;
    }

    public RecordStatus Status()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            return new RecordStatus(_machine.NameText, _machine.Active, _machine.Mode, _machine.ActiveSince, (now - _machine.ActiveSince).TotalSeconds,
                _machine.Transitions, _machine.HoldDown.Current.TotalSeconds, _machine.Explain(now), _parityDetail,
                SideStatusOf(Side.Primary, now), SideStatusOf(Side.Backup, now),
                _machine.FailbackAt is { } at ? Math.Max(0, (at - now).TotalSeconds) : null, Record.Parity is not null, _parityMatch, [.. _transitions],
                _machine.Peers is null ? null : new RecordAggregate(AggregateOf(_machine.AggregatePrimary), AggregateOf(_machine.AggregateBackup)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] running;
        lock (_lock)
        {
            _stopped = true;
            running = [.. _running];
        }

        foreach (var side in _sides)
        {
            side.Timer?.Dispose();
        }

        _failbackTimer.Dispose();
        _watchdog.Dispose();
        await _stop.CancelAsync();
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        foreach (var side in _sides)
        {
            (side.Probe as IDisposable)?.Dispose();
        }
    }

    /// <summary>Arms a timer for the moment the hold-down ends, so failback does not wait for the next probe.</summary>
    private void ArmFailback(DateTimeOffset now)
    {
        if (_machine.FailbackAt is { } at && at > now)
        {
            _failbackTimer.Change(at - now, Timeout.InfiniteTimeSpan);
        }
    }

    private void FailbackDue() => Reevaluate();

    /// <summary>
    /// Decides again now: at the end of a hold-down, and (with peers) when a peer's view arrived or may have gone
    /// stale. Does nothing once stopped.
    /// </summary>
    public void Reevaluate()
    {
        Evaluation evaluation;
        IReadOnlyList<SideChange> agreed;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            var now = _time.GetUtcNow();
            evaluation = _machine.Evaluate(now);
            Remember(evaluation.Transition);
            if (evaluation.Transition is not null)
            {
                _events.Publish(BuildAnswer());
            }

            ArmFailback(now);
            agreed = _machine.TakeAgreed();
        }

        Report(agreed);
        if (evaluation.Transition is not null)
        {
            _events.Changed(evaluation.Transition, null, modeChanged: false);
        }

        if (evaluation.AwaitingParity)
        {
            CheckParity();
        }
    }

    private void CheckParity()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_parity is null || _parityRunning || _stopped || now - _lastParityAt < Record.Timings.Interval)
            {
                return;
            }

            _parityRunning = true;
            _lastParityAt = now;
        }

        Track(ParityAsync());
    }

    private async Task ParityAsync()
    {
        ParityResult result;
        try
        {
            result = await _parity!.CheckAsync(Record, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            result = new ParityResult(false, $"parity check error: {e.Message}");
        }

        Evaluation evaluation = default;
        IReadOnlyList<SideChange> agreed = [];
        lock (_lock)
        {
            _parityRunning = false;
            _parityDetail = result.Detail;
            _parityMatch = result.Match;
            if (_stopped)
            {
                return;
            }

            if (result.Match)
            {
                evaluation = _machine.Evaluate(_time.GetUtcNow(), parityConfirmed: true);
                Remember(evaluation.Transition);
                if (evaluation.Transition is not null)
                {
                    _events.Publish(BuildAnswer());
                }

                agreed = _machine.TakeAgreed();
            }
        }

        Report(agreed);

        if (!result.Match)
        {
            _events.ParityPending(_machine.NameText, result.Detail);
        }
        else if (evaluation.Transition is not null)
        {
            _events.Changed(evaluation.Transition, null, modeChanged: false);
        }
    }

    private void Track(Task task)
    {
        if (task.IsCompleted)
        {
            return;
        }

        lock (_lock)
        {
            _running.Add(task);
        }

        task.ContinueWith(t =>
        {
            lock (_lock)
            {
                _running.Remove(t);
            }

            if (t.Exception is { } error)
            {
                _events.Faulted(_machine.NameText, error.GetBaseException());
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>This instance's own view of the record, as published to its peers.</summary>
    public RecordView OwnView()
    {
        lock (_lock)
        {
            return new RecordView(_machine.NameText, _machine.Active, _machine.VoteOf(Side.Primary), _machine.VoteOf(Side.Backup));
        }
    }

    /// <summary>True when the own vote on a side (state or risen) differs from the last one seen here; call inside the lock.</summary>
    private bool VoteChanged(Side side)
    {
        var vote = _machine.VoteOf(side);
        var last = _lastVotes[(int)side];
        _lastVotes[(int)side] = (vote.State, vote.Risen);
        return last != (vote.State, vote.Risen);
    }

    /// <summary>Logs the aggregated side changes (with peers); call outside the lock.</summary>
    private void Report(IReadOnlyList<SideChange> agreed)
    {
        foreach (var change in agreed)
        {
            _events.Agreed(change);
        }
    }

    /// <summary>Keeps a transition for the status page; call inside the lock.</summary>
    private void Remember(FailoverTransition? transition)
    {
        if (transition is null)
        {
            return;
        }

        _transitions.Enqueue(new RecentTransition(transition.At, transition.From, transition.To, transition.Reason, transition.Mode));
        while (_transitions.Count > RecentTransitionLimit)
        {
            _transitions.Dequeue();
        }
    }

    private FailoverAnswer BuildAnswer() =>
        new(Record.Name, _machine.Active, _machine.Mode, Record.AddressesOf(_machine.Active), Record.Ttl);

    private static AggregateSideStatus AggregateOf(AggregateSide side) =>
        new(side.State, side.StateSince, side.RisenAt is not null, side.RisenAt, side.Verdict.Views, side.Verdict.Down, side.Verdict.Up, side.LastDetail);

    private SideStatus SideStatusOf(Side side, DateTimeOffset now)
    {
        var health = _machine[side];
        var schedule = _sides[(int)side];
        return new SideStatus(side, [.. Record.AddressesOf(side).Select(a => a.ToString())], health.Reported, health.StateSince, (now - health.StateSince).TotalSeconds,
            health.ConsecutiveSuccesses, health.ConsecutiveFailures, health.LastDetail, health.LastLatency.TotalSeconds, schedule.Completed,
            schedule.LastCompletedAt, schedule.SinceLastCompleted(now).TotalSeconds, schedule.Stalled, [.. schedule.Recent]);
    }
}
