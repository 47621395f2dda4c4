using Kindling.Health.Failover;

namespace Kindling.Health.Peers;

/// <summary>
/// The aggregated health of one side over the fresh views (this instance's own included): the state, whether it has
/// risen (what failback needs), the counts, and a line naming every view (for the status and the transition log).
/// </summary>
internal readonly record struct SideVerdict(SideState State, bool Risen, int Views, int Down, int Up, string Detail);
