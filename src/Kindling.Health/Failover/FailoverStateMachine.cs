using System.Globalization;
using Kindling.Health.Peers;
using Kindling.Health.Probes;

namespace Kindling.Health.Failover;

/// <summary>The outcome of one evaluation: a switch, or a failback that only waits for the content-parity gate.</summary>
internal readonly record struct Evaluation(FailoverTransition? Transition, bool AwaitingParity);

/// <summary>
/// Decides which side a failover name answers with. Fails over when the active primary is declared down and
/// the backup is up; fails back when the primary has passed <c>rise</c> checks in a row, the hold-down has
/// passed since then, and (if configured) the content-parity gate agrees. With both sides down it keeps the
/// last healthy answer; a dead backup hands back to a healthy primary at once. An operator can force a side.
/// Pure: time comes in as arguments, so it is tested without clocks. Not thread-safe (its monitor locks).
/// With <see cref="Peers"/>, every decision (and the hold-down and flap damping) reads the aggregate of this instance's
/// own checks and its peers' fresh views (<see cref="AggregateSide"/>) instead of the own checks alone.
/// </summary>
internal sealed class FailoverStateMachine
{
    public FailoverStateMachine(FailoverRecord record, DateTimeOffset now, FailoverRecordState? restored = null, IPeerVerdicts? peers = null)
    {
        Record = record;
        NameText = record.Name.ToString();
        Peers = peers;
        var t = record.Timings;
        Primary = new SideHealth(Side.Primary, t.Fall, t.Rise, now);
        Backup = new SideHealth(Side.Backup, t.Fall, t.Rise, now);
        AggregatePrimary = new AggregateSide(Primary, now);
        AggregateBackup = new AggregateSide(Backup, now);
        HoldDown = new HoldDown(t);
        ActiveSince = now;
        if (restored is not null)
        {
            Active = restored.Active;
            Mode = restored.Mode;
            ActiveSince = restored.ActiveSince;
            Transitions = restored.Transitions;
            HoldDown.Restore(restored.HoldDown, restored.LastRecoveredAt);
        }
    }

    private bool _primaryWasDown;
    private bool _primaryWasUp;
    private readonly long[] _checks = new long[2];
    private readonly List<SideChange> _agreed = [];

    /// <summary>The peers whose views are aggregated with this instance's own; null: it decides alone.</summary>
    public IPeerVerdicts? Peers { get; }

    public AggregateSide AggregatePrimary { get; }

    public AggregateSide AggregateBackup { get; }

    /// <summary>What the decision reads of a side: the aggregate with peers, else this instance's own checks.</summary>
    public ISideHealth Decided(Side side) => Peers is null ? this[side] : side == Side.Primary ? AggregatePrimary : AggregateBackup;

    /// <summary>This instance's own vote on a side (what it publishes to its peers).</summary>
    public SideVote VoteOf(Side side) => AggregateSide.VoteOf(this[side], _checks[(int)side]);

    /// <summary>The aggregated side changes since the last call (for the log), oldest first.</summary>
    public IReadOnlyList<SideChange> TakeAgreed()
    {
        if (_agreed.Count == 0)
        {
            return [];
        }

        var changes = _agreed.ToArray();
        _agreed.Clear();
        return changes;
    }

    public FailoverRecord Record { get; }

    /// <summary>The record's name as status, logs, the state file and peer views spell it (<c>www.example.com.</c>).</summary>
    public string NameText { get; }

    public Side Active { get; private set; } = Side.Primary;

    public FailoverMode Mode { get; private set; } = FailoverMode.Auto;

    public DateTimeOffset ActiveSince { get; private set; }

    public long Transitions { get; private set; }

    public SideHealth Primary { get; }

    public SideHealth Backup { get; }

    public HoldDown HoldDown { get; }

    public SideHealth this[Side side] => side == Side.Primary ? Primary : Backup;

    /// <summary>Counts a probe result of one side and re-evaluates; <paramref name="change"/> is set when that side's health changed.</summary>
    public Evaluation Observe(Side side, ProbeOutcome outcome, DateTimeOffset now, out SideChange? change)
    {
        var health = this[side];
        _checks[(int)side]++;
        var state = health.Record(outcome.Healthy, outcome.Detail, outcome.Latency, now, outcome.Draining);
        change = null;
        if (state is { } newState)
        {
            change = new SideChange(NameText, side, newState, outcome.Detail, now);
            if (Peers is null)
            {
                Damp(side, newState, now);
            }
        }

        return Evaluate(now);
    }

    /// <summary>The hold-down growth and the recovery time follow the decided primary (own, or aggregated with peers).</summary>
    private void Damp(Side side, SideState newState, DateTimeOffset now)
    {
        if (side == Side.Primary && newState == SideState.Down)
        {
            HoldDown.PrimaryFailed(now);
            _primaryWasDown = true;
        }
        else if (side == Side.Primary && newState == SideState.Up)
        {
            // Up after having been up and down is a recovery. Up after a start (unknown), or the first up of a
            // primary that was down since the start (not installed yet, booting), is not: nothing flapped.
            if (_primaryWasDown && _primaryWasUp)
            {
                HoldDown.PrimaryRecovered(now);
            }

            _primaryWasDown = false;
            _primaryWasUp = true;
        }
    }

    /// <summary>Re-aggregates both sides from the own votes and the peers' fresh views; records the changes.</summary>
    private void Aggregate(IPeerVerdicts peers, DateTimeOffset now)
    {
        foreach (var side in (ReadOnlySpan<Side>)[Side.Primary, Side.Backup])
        {
            var aggregate = side == Side.Primary ? AggregatePrimary : AggregateBackup;
            if (aggregate.Apply(peers.Decide(NameText, side, VoteOf(side)), now) is { } newState)
            {
                _agreed.Add(new SideChange(NameText, side, newState, aggregate.LastDetail, now));
                Damp(side, newState, now);
            }
        }
    }

    /// <summary>Forces a side, or returns to automatic decisions (which may switch at once).</summary>
    public Evaluation SetMode(FailoverMode mode, DateTimeOffset now)
    {
        Mode = mode;
        return Evaluate(now);
    }

    /// <summary>Decides whether to switch now. <paramref name="parityConfirmed"/>: the parity gate just agreed.</summary>
    public Evaluation Evaluate(DateTimeOffset now, bool parityConfirmed = false)
    {
        if (Peers is { } peers)
        {
            Aggregate(peers, now);
        }

        var primary = Decided(Side.Primary);
        var backup = Decided(Side.Backup);
        HoldDown.Relax(primary.IsUp, now);
        switch (Mode)
        {
            case FailoverMode.ForcePrimary:
                return new Evaluation(SwitchTo(Side.Primary, "forced to the primary by an operator", now), false);
            case FailoverMode.ForceBackup:
                return new Evaluation(SwitchTo(Side.Backup, "forced to the backup by an operator", now), false);
        }

        var t = Record.Timings;
        if (Active == Side.Primary)
        {
            if (primary.IsDown && backup.IsUp)
            {
                var why = Peers is null
                    ? $"primary down after {t.Fall} consecutive failed checks ({Primary.LastDetail}); backup up"
                    : $"primary down in {primary.LastDetail} (own last check: {Primary.LastDetail}); backup up";
                return new Evaluation(SwitchTo(Side.Backup, why, now), false);
            }

            return default;
        }

        if (backup.IsDown && primary.IsUp)
        {
            return new Evaluation(SwitchTo(Side.Primary, $"backup down ({backup.LastDetail}) and primary up: back to the primary without waiting for the hold-down", now), false);
        }

        if (!FailbackDue(now))
        {
            return default;
        }

        if (Record.Parity is not null && !parityConfirmed)
        {
            return new Evaluation(null, AwaitingParity: true);
        }

        var reason = (Peers is null
                ? $"primary passed {Primary.ConsecutiveSuccesses} checks in a row"
                : $"primary risen in {primary.LastDetail}")
            + $" and the {Format(HoldDown.Current)} hold-down has passed"
            + (Record.Parity is null ? "" : "; primary and backup report the same content digest");
        return new Evaluation(SwitchTo(Side.Primary, reason, now), false);
    }

    /// <summary>When the hold-down of a pending failback ends; null when no failback is pending.</summary>
    public DateTimeOffset? FailbackAt =>
        Mode == FailoverMode.Auto && Active == Side.Backup && Decided(Side.Primary).IsUp && Decided(Side.Primary).RisenAt is { } risen ? risen + HoldDown.Current : null;

    /// <summary>True when only time and parity stand between the backup and a failback.</summary>
    public bool FailbackDue(DateTimeOffset now) =>
        Mode == FailoverMode.Auto && Active == Side.Backup && Decided(Side.Primary).IsUp && Decided(Side.Primary).RisenAt is { } risen && now - risen >= HoldDown.Current;

    /// <summary>Why the answer is what it is (for the status): the waiting failback, both sides down, or a forced side.</summary>
    public string Explain(DateTimeOffset now)
    {
        if (Mode != FailoverMode.Auto)
        {
            return $"forced to the {Active.ToString().ToLowerInvariant()} by an operator";
        }

        var primary = Decided(Side.Primary);
        if (Decided(Active).IsDown && !Decided(Other(Active)).IsUp)
        {
            return $"both sides down: keeping the last healthy answer ({Active.ToString().ToLowerInvariant()})";
        }

        if (Active == Side.Backup)
        {
            if (!primary.IsUp || primary.RisenAt is null)
            {
                return $"on the backup; primary {primary.State.ToString().ToLowerInvariant()} ({Primary.ConsecutiveSuccesses}/{Record.Timings.Rise} good checks"
                    + (Peers is null ? ")" : $"; {primary.LastDetail})");
            }

            var left = HoldDown.Current - (now - primary.RisenAt.Value);
            return left > TimeSpan.Zero
                ? $"on the backup; failback after the hold-down, {Format(left)} left"
                : "on the backup; failback waits for content parity";
        }

        return "on the primary";
    }

    public FailoverRecordState Save() => new()
    {
        Name = NameText,
        Active = Active,
        Mode = Mode,
        ActiveSince = ActiveSince,
        HoldDown = HoldDown.Current,
        LastRecoveredAt = HoldDown.LastRecoveredAt,
        Transitions = Transitions,
    };

    public static Side Other(Side side) => side == Side.Primary ? Side.Backup : Side.Primary;

    public static string Format(TimeSpan span) =>
        span.TotalSeconds >= 1 ? span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s" : span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private FailoverTransition? SwitchTo(Side side, string reason, DateTimeOffset now)
    {
        if (Active == side)
        {
            return null;
        }

        var from = Active;
        Active = side;
        ActiveSince = now;
        Transitions++;
        return new FailoverTransition(NameText, from, side, reason, now, Mode, HoldDown.Current, Record.AddressesOf(side));
    }
}
