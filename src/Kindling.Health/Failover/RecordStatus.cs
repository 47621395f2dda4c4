using System.Text.Json.Serialization;

namespace Kindling.Health.Failover;

/// <summary>
/// One side of a record as the status and the metrics show it. <see cref="Probes"/> counts finished probes;
/// <see cref="LastCheckAt"/> is when the last one finished (null before the first) and <see cref="Stalled"/> is true
/// while the watchdog finds none finished for too long: the evidence that the side is really being checked.
/// </summary>
public sealed record SideStatus(
    Side Side,
    IReadOnlyList<string> Addresses,
    SideState State,
    DateTimeOffset Since,
    double SecondsInState,
    int ConsecutiveSuccesses,
    int ConsecutiveFailures,
    string LastDetail,
    double LastLatencySeconds,
    long Probes,
    DateTimeOffset? LastCheckAt,
    double SecondsSinceLastCheck,
    bool Stalled,
    IReadOnlyList<RecentCheck> RecentChecks);

/// <summary>One finished check of a side, kept for the last few minutes (the status page's timeline).</summary>
public sealed record RecentCheck(DateTimeOffset At, bool Ok, double LatencySeconds, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail);

/// <summary>One switch of the answered side, kept for the status page (the newest last).</summary>
public sealed record RecentTransition(DateTimeOffset At, Side From, Side To, string Reason, FailoverMode Mode);

/// <summary>
/// A record's state at one moment: the answer, why, and both sides' health. <see cref="HoldDownLeftSeconds"/> is
/// the time left before a pending failback (null when none is pending); <see cref="ParityMatch"/> is the parity
/// gate's last result (null without a gate or before its first check).
/// </summary>
public sealed record RecordStatus(
    string Name,
    Side Active,
    FailoverMode Mode,
    DateTimeOffset ActiveSince,
    double SecondsInState,
    long Transitions,
    double HoldDownSeconds,
    string Explanation,
    string? Parity,
    SideStatus Primary,
    SideStatus Backup,
    double? HoldDownLeftSeconds,
    bool ParityGate,
    bool? ParityMatch,
    IReadOnlyList<RecentTransition> RecentTransitions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RecordAggregate? Aggregate = null);

/// <summary>
/// With peers: what the decision reads, each side's aggregate over the fresh views (this instance's own included),
/// with the line naming every view. The sides' own states (<see cref="RecordStatus.Primary"/>) are this instance's checks.
/// </summary>
public sealed record RecordAggregate(AggregateSideStatus Primary, AggregateSideStatus Backup);

/// <summary>One side's aggregate: its state, whether it has risen (and since when: the hold-down counts from then), and the views.</summary>
public sealed record AggregateSideStatus(SideState State, DateTimeOffset Since, bool Risen, DateTimeOffset? RisenAt, int Views, int Down, int Up, string Detail);
