namespace Kindling.Health.Failover;

/// <summary>
/// What the failover decision reads of a side: this instance's own checks (<see cref="SideHealth"/>) when it decides
/// alone, or the aggregate of its peers' fresh views and its own (<see cref="AggregateSide"/>).
/// </summary>
internal interface ISideHealth
{
    SideState State { get; }

    bool IsUp { get; }

    bool IsDown { get; }

    /// <summary>When the side last passed <c>rise</c> checks in a row with no failure since; null while it has not.</summary>
    DateTimeOffset? RisenAt { get; }

    string LastDetail { get; }

    int ConsecutiveSuccesses { get; }
}
