using Kindling.Health.Observability;
using Kindling.Health.Probes;

namespace Kindling.Health.Failover;

/// <summary>What a record's monitor reports to the <see cref="FailoverMonitor"/> that owns it.</summary>
internal interface IRecordEvents
{
    /// <summary>Called under the record's lock, right after a switch or mode change: swap the cached answer.</summary>
    void Publish(FailoverAnswer answer);

    /// <summary>Called outside the lock: log, persist, notify listeners.</summary>
    void Changed(FailoverTransition? transition, SideChange? change, bool modeChanged);

    void ParityPending(string name, string detail);
}

/// <summary>
/// Probes both sides of one record on their own schedule (every interval; every fast interval from a first
/// failure until <c>fall</c> or a success, overlapping probes that time out) and feeds the results to the
/// record's <see cref="FailoverStateMachine"/>. Timers come from the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class RecordMonitor : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly FailoverStateMachine _machine;
    private readonly TimeProvider _time;
    private readonly IContentParityGate? _parity;
    private readonly IRecordEvents _events;
    private readonly SideLoop[] _sides;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _running = [];
    private readonly ITimer _failbackTimer;
    private bool _stopped;
    private bool _parityRunning;
    private DateTimeOffset _lastParityAt = DateTimeOffset.MinValue;
    private string? _parityDetail;

    public RecordMonitor(FailoverStateMachine machine, Func<Side, IHealthProbe> probes, TimeProvider time, IContentParityGate? parity, IRecordEvents events)
    {
        _machine = machine;
        _time = time;
        _parity = parity;
        _events = events;
        _sides = [new SideLoop(Side.Primary, probes(Side.Primary)), new SideLoop(Side.Backup, probes(Side.Backup))];
        _failbackTimer = time.CreateTimer(_ => FailbackDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        foreach (var side in _sides)
        {
            side.Timer = time.CreateTimer(_ => Fire(side), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public FailoverRecord Record => _machine.Record;

    public LatencyHistogram LatencyOf(Side side) => _sides[(int)side].Latency;

    /// <summary>Probes both sides now and from then on by their schedule.</summary>
    public void Start()
    {
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
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            evaluation = _machine.SetMode(mode, now);
            _events.Publish(BuildAnswer());
            ArmFailback(now);
        }

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
            return new RecordStatus(Record.Name, _machine.Active, _machine.Mode, _machine.ActiveSince, (now - _machine.ActiveSince).TotalSeconds,
                _machine.Transitions, _machine.HoldDown.Current.TotalSeconds, _machine.Explain(now), _parityDetail,
                SideStatusOf(Side.Primary, now), SideStatusOf(Side.Backup, now));
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
        await _stop.CancelAsync();
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        foreach (var side in _sides)
        {
            (side.Probe as IDisposable)?.Dispose();
        }
    }

    private void Fire(SideLoop side)
    {
        long sequence;
        lock (_lock)
        {
            var health = _machine[side.Side];
            var limit = health.Suspect ? health.FailuresToFall : 1;
            if (_stopped || side.Outstanding >= limit)
            {
                return; // the outstanding probe's result re-arms the timer
            }

            sequence = ++side.Started;
            side.Outstanding++;
            var now = _time.GetUtcNow();
            var period = PeriodOf(health);

            // Count from when the probe was due, not when the timer got round to it, so the schedule does not drift.
            side.LastStart = side.Due is { } due && due <= now && now - due < period ? due : now;
            side.Due = side.LastStart + period;
            Arm(side, side.Due.Value - now);
        }

        Track(ProbeAsync(side, sequence));
    }

    private async Task ProbeAsync(SideLoop side, long sequence)
    {
        ProbeOutcome outcome;
        var guard = Record.Timings.Timeout * 2 + TimeSpan.FromSeconds(1);
        try
        {
            // Probes honour their own timeout; the guard keeps the schedule going should one ever hang anyway.
            outcome = await side.Probe.ProbeAsync(_stop.Token).WaitAsync(guard, _time, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (TimeoutException)
        {
            outcome = ProbeOutcome.Down(guard, $"the probe did not finish within {FailoverStateMachine.Format(guard)}");
        }
        catch (Exception e)
        {
            outcome = ProbeOutcome.Down(TimeSpan.Zero, $"probe error: {e.Message}");
        }

        Evaluation evaluation;
        SideChange? change;
        bool fireNow;
        lock (_lock)
        {
            side.Outstanding--;
            if (_stopped)
            {
                return;
            }

            side.Latency.Observe(outcome.Latency);
            side.Probes++;
            if (sequence < side.Applied)
            {
                return; // an older overlapping probe finished after a newer one: the newer result stands
            }

            side.Applied = sequence;
            var now = _time.GetUtcNow();
            evaluation = _machine.Observe(side.Side, outcome, now, out change);
            side.Due = side.LastStart + PeriodOf(_machine[side.Side]);
            fireNow = side.Due <= now; // a timed-out probe: the next one is already due
            if (!fireNow)
            {
                Arm(side, side.Due.Value - now);
            }

            if (evaluation.Transition is not null)
            {
                _events.Publish(BuildAnswer());
            }

            ArmFailback(now);
        }

        if (fireNow)
        {
            Fire(side);
        }

        if (evaluation.Transition is not null || change is not null)
        {
            _events.Changed(evaluation.Transition, change, modeChanged: false);
        }

        if (evaluation.AwaitingParity)
        {
            CheckParity();
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

    private void FailbackDue()
    {
        Evaluation evaluation;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            evaluation = _machine.Evaluate(_time.GetUtcNow());
            if (evaluation.Transition is not null)
            {
                _events.Publish(BuildAnswer());
            }
        }

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
        lock (_lock)
        {
            _parityRunning = false;
            _parityDetail = result.Detail;
            if (_stopped)
            {
                return;
            }

            if (result.Match)
            {
                evaluation = _machine.Evaluate(_time.GetUtcNow(), parityConfirmed: true);
                if (evaluation.Transition is not null)
                {
                    _events.Publish(BuildAnswer());
                }
            }
        }

        if (!result.Match)
        {
            _events.ParityPending(Record.Name, result.Detail);
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

        task.ContinueWith(t => { lock (_lock) { _running.Remove(t); } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static void Arm(SideLoop side, TimeSpan delay)
    {
        // At least one tick: a timer never fires inside the lock that arms it (a fake clock would).
        side.Timer!.Change(delay < MinimumDelay ? MinimumDelay : delay, Timeout.InfiniteTimeSpan);
    }

    private static readonly TimeSpan MinimumDelay = TimeSpan.FromTicks(1);

    private TimeSpan PeriodOf(SideHealth health) => health.Suspect ? Record.Timings.FastInterval : Record.Timings.Interval;

    private FailoverAnswer BuildAnswer() =>
        new(Record.Name, _machine.Active, _machine.Mode, Record.AddressesOf(_machine.Active), Record.Ttl);

    private SideStatus SideStatusOf(Side side, DateTimeOffset now)
    {
        var health = _machine[side];
        return new SideStatus(side, [.. Record.AddressesOf(side).Select(a => a.ToString())], health.State, health.StateSince, (now - health.StateSince).TotalSeconds,
            health.ConsecutiveSuccesses, health.ConsecutiveFailures, health.LastDetail, health.LastLatency.TotalSeconds, _sides[(int)side].Probes);
    }

    private sealed class SideLoop(Side side, IHealthProbe probe)
    {
        public Side Side { get; } = side;

        public IHealthProbe Probe { get; } = probe;

        public ITimer? Timer { get; set; }

        public LatencyHistogram Latency { get; } = new();

        public long Started { get; set; }

        public long Applied { get; set; }

        public int Outstanding { get; set; }

        public long Probes { get; set; }

        public DateTimeOffset LastStart { get; set; }

        /// <summary>When the next probe is due.</summary>
        public DateTimeOffset? Due { get; set; }
    }
}
