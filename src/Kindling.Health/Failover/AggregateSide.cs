using Kindling.Health.Peers;

namespace Kindling.Health.Failover;

/// <summary>
/// One side's aggregated health (<see cref="PeerAggregator"/>'s rule over the fresh views), the state the failover
/// decision, the hold-down and the flap damping follow when an instance has peers. <see cref="RisenAt"/> is when the
/// aggregate last became risen, so instances that see the same views start their hold-down together.
/// Not thread-safe: its record's lock guards it.
/// </summary>
internal sealed class AggregateSide(SideHealth own, DateTimeOffset now) : ISideHealth
{
    public SideState State { get; private set; } = SideState.Unknown;

    public DateTimeOffset StateSince { get; private set; } = now;

    public DateTimeOffset? RisenAt { get; private set; }

    public bool IsUp => State == SideState.Up;

    public bool IsDown => State == SideState.Down;

    /// <summary>The last verdict's line naming every view.</summary>
    public string LastDetail { get; private set; } = "no view yet";

    public SideVerdict Verdict { get; private set; }

    public int ConsecutiveSuccesses => own.ConsecutiveSuccesses;

    /// <summary>Takes a new verdict; returns the new state when it changed.</summary>
    public SideState? Apply(SideVerdict verdict, DateTimeOffset now)
    {
        Verdict = verdict;
        LastDetail = verdict.Detail;
        if (!verdict.Risen)
        {
            RisenAt = null;
        }
        else if (RisenAt is null)
        {
            RisenAt = now;
        }

        if (verdict.State == State)
        {
            return null;
        }

        State = verdict.State;
        StateSince = now;
        return State;
    }

    /// <summary>This instance's own vote on the side, from its own checks.</summary>
    public static SideVote VoteOf(SideHealth health, long checks) =>
        new(health.State, health.RisenAt is not null, health.StateSince, health.ConsecutiveSuccesses, health.ConsecutiveFailures, checks);
}
