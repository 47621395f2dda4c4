using System.Net;

namespace Kindling.Health.Failover;

/// <summary>A switch of the side a failover name answers with, and why.</summary>
public sealed record FailoverTransition(
    string Name,
    Side From,
    Side To,
    string Reason,
    DateTimeOffset At,
    FailoverMode Mode,
    TimeSpan HoldDown,
    IReadOnlyList<IPAddress> Addresses);

/// <summary>A side of a record changing health (up, down), for the log and the webhook.</summary>
public sealed record SideChange(string Name, Side Side, SideState State, string Detail, DateTimeOffset At);

/// <summary>What a restart must keep of a record: the active side, the mode and the failback damping.</summary>
public sealed record FailoverRecordState
{
    public required string Name { get; init; }

    public required Side Active { get; init; }

    public FailoverMode Mode { get; init; }

    public DateTimeOffset ActiveSince { get; init; }

    public TimeSpan HoldDown { get; init; }

    public DateTimeOffset? LastRecoveredAt { get; init; }

    public long Transitions { get; init; }
}
