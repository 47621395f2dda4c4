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
    bool Stalled);

/// <summary>A record's state at one moment: the answer, why, and both sides' health.</summary>
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
    SideStatus Backup);
