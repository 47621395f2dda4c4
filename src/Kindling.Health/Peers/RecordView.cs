using Kindling.Health.Failover;

namespace Kindling.Health.Peers;

/// <summary>One instance's view of one failover record: both sides' votes and the side it answers with.</summary>
public sealed record RecordView(string Name, Side Active, SideVote Primary, SideVote Backup)
{
    public SideVote Of(Side side) => side == Side.Primary ? Primary : Backup;
}
