using System.Text;
using Kindling.Health.Failover;
using Kindling.Health.Peers;

namespace Kindling.Health.Tests.Peers;

/// <summary>
/// One test per row of docs/failover.md's scenario table: three instances (unless said) on a fake clock, default
/// timings (interval 1 s, fall 3, rise 5, hold-down 10 s), views exchanged as the mesh does.
/// </summary>
public sealed class PeerScenarioTests
{
    [Fact]
    public void LinkCutToThePrimaryFromOneInstance_NoInstanceSwitches()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        cluster.Instances[0].PrimaryCut = true;
        cluster.Run(60);

        Assert.Empty(cluster.Switches);
        Assert.All(cluster.Answers, side => Assert.Equal(Side.Primary, side));
        // The cut instance's own checks say down; the aggregate (1 of 3 down) says up.
        Assert.Equal(SideState.Down, cluster.Instances[0].Machine.Primary.State);
        Assert.Equal(SideState.Up, cluster.Instances[0].Machine.AggregatePrimary.State);
        Assert.Contains("1 of 3 fresh view(s) down", cluster.Instances[0].Machine.AggregatePrimary.LastDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void IsolatedInstance_StillLeavesADeadPrimaryOnItsOwn_WithinFallTimesIntervalPlusOneSecond()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        var cutAt = cluster.Time.GetUtcNow();
        cluster.Isolate(0);
        cluster.PrimaryAlive = false;
        cluster.Run(10);

        var (_, isolated) = Assert.Single(cluster.Switches, s => s.Instance == 0);
        Assert.Equal(Side.Backup, isolated.To);
        // Its peers' last views (primary up) count until they are MaxAge (3 s) old; then it decides alone.
        Assert.True(isolated.At - cutAt <= TimeSpan.FromSeconds(3 * 1 + 1), $"switched {isolated.At - cutAt} after the cut");
        Assert.Contains("1 of 1 fresh view(s) down", isolated.Reason, StringComparison.Ordinal);
        // The two that still see each other agree too (2 of 2 down).
        Assert.All(cluster.Answers, side => Assert.Equal(Side.Backup, side));
    }

    [Fact]
    public void IsolatedInstance_WithAHealthyPrimary_KeepsAnsweringIt()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        cluster.Isolate(2);
        cluster.Run(30);

        Assert.Empty(cluster.Switches);
        Assert.Equal(1, cluster.Instances[2].Machine.AggregatePrimary.Verdict.Views);
    }

    [Fact]
    public void OneInstanceDead_TheOtherTwoStillFailOverTogether()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        cluster.Instances[2].Dead = true;
        cluster.Run(5); // its last view is stale by now
        var killedAt = cluster.Time.GetUtcNow();
        cluster.PrimaryAlive = false;
        cluster.Run(5);

        Assert.Equal(2, cluster.Switches.Count);
        Assert.All(cluster.Switches, s => Assert.Contains("2 of 2 fresh view(s) down", s.Transition.Reason, StringComparison.Ordinal));
        var times = cluster.Switches.Select(s => s.Transition.At).ToList();
        Assert.True(times.Max() - times.Min() <= TimeSpan.FromMilliseconds(100), "the two live instances switch in the same step");
        Assert.True(times.Max() - killedAt <= TimeSpan.FromSeconds(2), $"switched {times.Max() - killedAt} after the kill");
    }

    [Fact]
    public void OneInstanceJustDied_ItsFreshLastViewIsOutvoted()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        cluster.Instances[2].Dead = true;
        cluster.PrimaryAlive = false;
        cluster.Run(2);

        // 2 of 3 down is a strict majority even while the dead one's last view (primary up) is fresh.
        Assert.Equal(2, cluster.Switches.Count);
        Assert.All(cluster.Switches, s => Assert.Contains("2 of 3 fresh view(s) down", s.Transition.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void FlappingPrimary_AtMostOneSwitchPerInstance_AndAllAgree()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        for (var i = 0; i < 30; i++)
        {
            cluster.PrimaryAlive = !cluster.PrimaryAlive;
            cluster.Run(2);
        }

        cluster.PrimaryAlive = true;
        foreach (var group in cluster.Switches.GroupBy(s => s.Instance))
        {
            Assert.Single(group);
        }

        Assert.Equal(3, cluster.Switches.Count);
        Assert.Single(cluster.Answers.Distinct());
    }

    [Fact]
    public void RecoveredPrimary_EveryInstanceFailsBackInTheSameStep()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        cluster.PrimaryAlive = false;
        cluster.Run(5);
        cluster.PrimaryAlive = true;
        cluster.Run(30);

        var failbacks = cluster.Switches.Where(s => s.Transition.To == Side.Primary).ToList();
        Assert.Equal(3, failbacks.Count);
        var times = failbacks.Select(s => s.Transition.At).ToList();
        Assert.Equal(times.Min(), times.Max());
        Assert.Contains("primary risen in 0 of 3 fresh view(s) down, 3 up", failbacks[0].Transition.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void InstancesRestartedOneAfterAnother_NoAnswerChanges()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        for (var i = 0; i < 3; i++)
        {
            cluster.Instances[i].Dead = true;
            cluster.Run(2);
            cluster.Restart(i);
            cluster.Run(8);
        }

        Assert.Empty(cluster.Switches);
        Assert.All(cluster.Answers, side => Assert.Equal(Side.Primary, side));
        Assert.All(cluster.Instances, x => Assert.Equal(SideState.Up, x.Machine.AggregatePrimary.State));
    }

    [Fact]
    public void RestartDuringAFailover_TheRestartedInstanceStaysOnTheBackup()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        cluster.PrimaryAlive = false;
        cluster.Run(5);
        cluster.Restart(1);
        cluster.Run(5);

        Assert.All(cluster.Answers, side => Assert.Equal(Side.Backup, side));
        Assert.Equal(3, cluster.Switches.Count); // the three failovers, nothing after the restart
    }

    [Fact]
    public void ForgedView_WrongSecret_IsRejectedAndChangesNothing()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        var target = cluster.Instances[0];
        var forgedSecret = Encoding.ASCII.GetBytes("not-the-installation-secret-but-long-enough");
        var down = new SideVote(SideState.Down, false, cluster.Time.GetUtcNow(), 0, 9, 99);
        for (var i = 1; i <= 2; i++)
        {
            var forged = new PeerView(PeerView.CurrentVersion, cluster.Urls[i], long.MaxValue, cluster.Time.GetUtcNow(),
                [new RecordView(target.Machine.NameText, Side.Backup, down, down with { State = SideState.Up })]);
            var (body, mac) = PeerViewCodec.Encode(forged, forgedSecret);
            Assert.Equal(PeerReceipt.RejectedMac, target.Receive(body, mac));
        }

        cluster.Run(5);
        Assert.Empty(cluster.Switches);
        // Counted under unknown (they came from no peer's address), never under the peers the forged bodies name.
        Assert.All(target.Aggregator.Status(), p => Assert.Equal(0, p.RejectedMac));
        Assert.Equal(2, target.Aggregator.UnknownSender);
        Assert.Equal(0, target.Machine.AggregatePrimary.Verdict.Down);
    }

    [Fact]
    public void ForgedView_UnknownSender_IsRejected()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(2);
        var view = new PeerView(PeerView.CurrentVersion, "http://192.0.2.9:8053/", 1, cluster.Time.GetUtcNow(), []);
        var (body, mac) = PeerViewCodec.Encode(view, PeerCluster.Secret);

        Assert.Equal(PeerReceipt.RejectedMac, cluster.Instances[0].Receive(body, mac));
        Assert.Equal(1, cluster.Instances[0].Aggregator.UnknownSender);
    }

    [Fact]
    public void ReplayedView_OldSequenceOrOldTime_IsRejectedAndChangesNothing()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        cluster.PrimaryAlive = false;
        cluster.Run(5);
        var downViews = cluster.Instances[1].Sent.ToList(); // include views saying the primary is down
        cluster.PrimaryAlive = true;
        cluster.Run(40); // everybody failed back
        var before = cluster.Switches.Count;

        var target = cluster.Instances[0];
        var replayed = downViews[^1];
        Assert.Equal(PeerReceipt.Stale, target.Receive(replayed.Body, replayed.Mac)); // sent 40 s ago

        var recent = cluster.Instances[1].Sent[^2]; // sent within the window, but not newer than the last accepted
        Assert.Equal(PeerReceipt.Replayed, target.Receive(recent.Body, recent.Mac));

        cluster.Run(5);
        Assert.Equal(before, cluster.Switches.Count);
        var peer = target.Aggregator.Status().Single(p => p.Url == cluster.Urls[1]);
        Assert.Equal(1, peer.Stale);
        Assert.Equal(1, peer.Replayed);
    }
}
