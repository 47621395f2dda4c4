namespace Kindling.Health.Failover;

/// <summary>What the checks say about one side.</summary>
public enum SideState
{
    /// <summary>Not checked yet (after a start): the first success makes it up, <c>fall</c> failures down.</summary>
    Unknown,
    Up,
    Down,

    /// <summary>
    /// Shown in the status only: the side's last check said it is being drained for planned work. It counts as a
    /// failed check, so the answer moves away after <c>fall</c> of them, exactly as for <see cref="Down"/>.
    /// </summary>
    Draining,
}

/// <summary>
/// The fall/rise counter of one side (HAProxy's and keepalived's model): <c>fall</c> consecutive failures
/// declare it down, <c>rise</c> consecutive successes declare it up. Not thread-safe: its record's lock guards it.
/// </summary>
internal sealed class SideHealth(Side side, int fall, int rise, DateTimeOffset now) : ISideHealth
{
    public Side Side { get; } = side;

    public SideState State { get; private set; } = SideState.Unknown;

    public DateTimeOffset StateSince { get; private set; } = now;

    public int ConsecutiveSuccesses { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    /// <summary>When the current unbroken run of successes reached <c>rise</c>; null while it has not.</summary>
    public DateTimeOffset? RisenAt { get; private set; }

    public string LastDetail { get; private set; } = "not checked yet";

    /// <summary>The last check said the node is draining (see <see cref="SideState.Draining"/>).</summary>
    public bool Draining { get; private set; }

    /// <summary>What the status shows: <see cref="SideState.Draining"/> while the node says so, else the state.</summary>
    public SideState Reported => Draining ? SideState.Draining : State;

    public TimeSpan LastLatency { get; private set; }

    public bool IsUp => State == SideState.Up;

    public bool IsDown => State == SideState.Down;

    /// <summary>True between a first failure and <c>fall</c>: the side is re-probed at the fast interval.</summary>
    public bool Suspect => State != SideState.Down && ConsecutiveFailures > 0 && ConsecutiveFailures < fall;

    /// <summary>Failures still needed to declare the side down (bounds the overlapping fast re-probes).</summary>
    public int FailuresToFall => Math.Max(1, fall - ConsecutiveFailures);

    /// <summary>Counts one probe result; returns the new state when it changed.</summary>
    public SideState? Record(bool healthy, string detail, TimeSpan latency, DateTimeOffset now, bool draining = false)
    {
        LastDetail = detail;
        Draining = !healthy && draining;
        LastLatency = latency;
        var before = State;
        if (healthy)
        {
            ConsecutiveFailures = 0;
            ConsecutiveSuccesses++;
            if (ConsecutiveSuccesses == rise)
            {
                RisenAt = now;
            }

            if (State == SideState.Unknown || (State == SideState.Down && ConsecutiveSuccesses >= rise))
            {
                State = SideState.Up;
            }
        }
        else
        {
            ConsecutiveSuccesses = 0;
            ConsecutiveFailures++;
            RisenAt = null;
            if (State != SideState.Down && ConsecutiveFailures >= fall)
            {
                State = SideState.Down;
            }
        }

        if (State == before)
        {
            return null;
        }

        StateSince = now;
        return State;
    }

    /// <summary>Starts from a known state (a restart): the counters begin at zero.</summary>
    public void Assume(SideState state, DateTimeOffset now)
    {
        State = state;
        StateSince = now;
        ConsecutiveFailures = 0;
        ConsecutiveSuccesses = 0;
        RisenAt = null;
    }
}
