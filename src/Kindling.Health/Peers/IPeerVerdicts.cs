using Kindling.Health.Failover;

namespace Kindling.Health.Peers;

/// <summary>Aggregates this instance's own vote on a side with its peers' fresh votes (see <see cref="PeerAggregator"/>).</summary>
internal interface IPeerVerdicts
{
    SideVerdict Decide(string record, Side side, SideVote own);
}
