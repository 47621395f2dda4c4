namespace Kindling.Health.Failover;

/// <summary>One side of a record as the status and the metrics show it.</summary>
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
    long Probes);

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
