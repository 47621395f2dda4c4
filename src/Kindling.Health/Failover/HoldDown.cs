namespace Kindling.Health.Failover;

/// <summary>
/// The failback hold-down: starts at <c>holdDown</c>, doubles (up to <c>holdDownMax</c>) each time the primary
/// goes down again within <c>flapWindow</c> of its last recovery, and returns to <c>holdDown</c> once the
/// primary has stayed up (or stayed away from failing) for a whole <c>flapWindow</c>.
/// </summary>
internal sealed class HoldDown(FailoverTimings timings)
{
    public TimeSpan Current { get; private set; } = timings.HoldDown;

    /// <summary>When the primary was last declared up after being down.</summary>
    public DateTimeOffset? LastRecoveredAt { get; private set; }

    /// <summary>The primary was declared down at <paramref name="now"/>.</summary>
    public void PrimaryFailed(DateTimeOffset now)
    {
        if (LastRecoveredAt is { } recovered && now - recovered < timings.FlapWindow)
        {
            var doubled = Current * 2;
            Current = doubled > timings.HoldDownMax ? timings.HoldDownMax : doubled;
        }
        else
        {
            Current = timings.HoldDown;
        }
    }

    public void PrimaryRecovered(DateTimeOffset now) => LastRecoveredAt = now;

    /// <summary>Resets to the first hold-down after a quiet period with the primary up; returns true when it changed.</summary>
    public bool Relax(bool primaryUp, DateTimeOffset now)
    {
        if (primaryUp && Current != timings.HoldDown && LastRecoveredAt is { } recovered && now - recovered >= timings.FlapWindow)
        {
            Current = timings.HoldDown;
            return true;
        }

        return false;
    }

    public void Restore(TimeSpan current, DateTimeOffset? lastRecoveredAt)
    {
        Current = current < timings.HoldDown ? timings.HoldDown : current > timings.HoldDownMax ? timings.HoldDownMax : current;
        LastRecoveredAt = lastRecoveredAt;
    }
}
