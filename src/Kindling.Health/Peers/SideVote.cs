using Kindling.Health.Failover;

namespace Kindling.Health.Peers;

/// <summary>
/// One instance's own view of one side of a record: its state from its own checks (up, down, unknown), since when,
/// whether the side has passed <c>rise</c> checks in a row without a failure since (<see cref="Risen"/>: what a
/// failback needs), and its check counters.
/// </summary>
public sealed record SideVote(SideState State, bool Risen, DateTimeOffset Since, int Successes, int Failures, long Checks);
