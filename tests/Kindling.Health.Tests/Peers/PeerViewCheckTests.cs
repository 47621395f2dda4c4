using System.Net;
using System.Security.Cryptography;
using System.Text;
using Kindling.Health.Failover;
using Kindling.Health.Peers;
using static Kindling.Health.Tests.Failover.Records;

namespace Kindling.Health.Tests.Peers;

/// <summary>
/// What a received view must pass before it is believed (issue 15): the MAC over the raw octets before any parsing,
/// rejections labelled by the socket's sender address and never by what an unauthenticated body claims, and replays
/// of views captured before the receiver restarted (its sequence numbers forgotten) rejected by the send-time bound.
/// </summary>
public sealed class PeerViewCheckTests
{
    /// <summary>An address that is no instance's: where a forger sends from.</summary>
    private static readonly IPAddress Elsewhere = IPAddress.Parse("127.0.0.77");

    private static string Sign(byte[] body, byte[] secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(secret, (byte[])[.. Encoding.ASCII.GetBytes("kindling-peer-view-v1\n"), .. body]));

    private static PeerStatus StatusOf(PeerCluster cluster, int receiver, int peer) =>
        cluster.Instances[receiver].Aggregator.Status().Single(p => p.Url == cluster.Urls[peer]);

    [Fact]
    public void BadMac_TheBodyNeverReachesTheParser()
    {
        var garbage = Encoding.UTF8.GetBytes("{ this is not json, and names http://127.0.41.193:8053/");

        // Bad MAC: refused on the MAC, the body unread (not "not a peer view").
        Assert.False(PeerViewCodec.TryDecode(garbage, Convert.ToBase64String(new byte[32]), PeerCluster.Secret, out var view, out var authentic, out var error));
        Assert.Null(view);
        Assert.False(authentic);
        Assert.Equal("MAC does not verify (another secret, or the view was altered)", error);

        // The same octets with the right MAC do reach the parser, which then says what is wrong.
        Assert.False(PeerViewCodec.TryDecode(garbage, Sign(garbage, PeerCluster.Secret), PeerCluster.Secret, out view, out authentic, out error));
        Assert.Null(view);
        Assert.True(authentic);
        Assert.Contains("not a peer view", error, StringComparison.Ordinal);

        // A MAC that is not even an HMAC-SHA256 in base64: refused on the header.
        Assert.False(PeerViewCodec.TryDecode(garbage, "not base64!", PeerCluster.Secret, out _, out authentic, out error));
        Assert.False(authentic);
        Assert.Contains("is not a base64 HMAC-SHA256", error, StringComparison.Ordinal);
    }

    [Fact]
    public void OversizeBody_IsDroppedBeforeItsMacIsChecked_EvenAValidOne()
    {
        var big = new byte[PeerViewCodec.MaxBodyBytes + 1];
        Assert.False(PeerViewCodec.TryDecode(big, Sign(big, PeerCluster.Secret), PeerCluster.Secret, out var view, out var authentic, out var error));
        Assert.Null(view);
        Assert.False(authentic);
        Assert.Contains($"over the {PeerViewCodec.MaxBodyBytes}-byte limit", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ForgedBodyNamingARealPeer_CountsNothingUnderThatPeer()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(2);
        var target = cluster.Instances[0];
        var down = new SideVote(SideState.Down, false, cluster.Time.GetUtcNow(), 0, 9, 99);
        var forged = new PeerView(PeerView.CurrentVersion, cluster.Urls[1], long.MaxValue, cluster.Time.GetUtcNow(),
            [new RecordView(target.Machine.NameText, Side.Backup, down, down with { State = SideState.Up })]);
        var (body, mac) = PeerViewCodec.Encode(forged, Encoding.ASCII.GetBytes("not-the-installation-secret-but-long-enough"));

        // From an address that is no peer's: counted under unknown, whatever the body says.
        Assert.Equal(PeerReceipt.RejectedMac, target.Receive(body, mac, out var detail, remote: Elsewhere));
        Assert.Contains("MAC does not verify", detail, StringComparison.Ordinal);
        Assert.Equal(1, target.Aggregator.UnknownSender);
        Assert.All(target.Aggregator.Status(), p => Assert.Equal(0, p.RejectedMac));
        Assert.Equal("unknown", target.Aggregator.LabelAt(Elsewhere));

        // From peer 2's address (the socket's word, not the body's): counted under peer 2, still nothing under peer 1.
        Assert.Equal(PeerReceipt.RejectedMac, target.Receive(body, mac, remote: cluster.AddressOf(2)));
        Assert.Equal(0, StatusOf(cluster, 0, 1).RejectedMac);
        Assert.Equal(1, StatusOf(cluster, 0, 2).RejectedMac);
        Assert.Equal(1, target.Aggregator.UnknownSender);

        // No remote address known at all: unknown.
        Assert.Equal(PeerReceipt.RejectedMac, target.Receive(body, mac, remote: null));
        Assert.Equal(2, target.Aggregator.UnknownSender);
        Assert.Equal(0, StatusOf(cluster, 0, 1).RejectedMac);
        Assert.Equal(0, target.Machine.AggregatePrimary.Verdict.Down);
    }

    [Fact]
    public void InvalidJsonWithABadMac_IsCountedAsBadMac_WithAGoodMacAsMalformed()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(2);
        var target = cluster.Instances[0];
        var garbage = Encoding.UTF8.GetBytes("{\"version\":1,\"instance\":\"" + cluster.Urls[1] + "\",");

        Assert.Equal(PeerReceipt.RejectedMac, target.Receive(garbage, Convert.ToBase64String(new byte[32]), out var detail, remote: cluster.AddressOf(1)));
        Assert.DoesNotContain("not a peer view", detail, StringComparison.Ordinal);
        Assert.Equal(1, StatusOf(cluster, 0, 1).RejectedMac);
        Assert.Equal(0, StatusOf(cluster, 0, 1).Malformed);

        Assert.Equal(PeerReceipt.Malformed, target.Receive(garbage, Sign(garbage, PeerCluster.Secret), out detail, remote: cluster.AddressOf(1)));
        Assert.Contains("the MAC verifies but the body is not a peer view", detail, StringComparison.Ordinal);
        Assert.Equal(1, StatusOf(cluster, 0, 1).RejectedMac);
        Assert.Equal(1, StatusOf(cluster, 0, 1).Malformed);

        // An authentic view of another version (a newer kindling): malformed too, never a MAC problem.
        var (future, mac) = PeerViewCodec.Encode(new PeerView(PeerView.CurrentVersion + 1, cluster.Urls[1], long.MaxValue, cluster.Time.GetUtcNow(), []), PeerCluster.Secret);
        Assert.Equal(PeerReceipt.Malformed, target.Receive(future, mac, out detail, remote: Elsewhere));
        Assert.Contains($"view version {PeerView.CurrentVersion + 1} is not {PeerView.CurrentVersion}", detail, StringComparison.Ordinal);
        Assert.Equal(1, target.Aggregator.UnknownMalformed);
        Assert.Equal(0, target.Aggregator.UnknownSender);
    }

    [Fact]
    public void TwoPeersOnOneAddress_ARejectionFromItCountsAsUnknown()
    {
        var aggregator = new PeerAggregator(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0), "http://127.0.0.1:1/",
            ["http://127.0.0.1:1/", "http://127.0.0.1:2/", "http://127.0.0.1:3/", "http://[::1]:4/"], TimeSpan.FromSeconds(3));

        Assert.Equal("unknown", aggregator.LabelAt(IPAddress.Loopback));
        Assert.Equal("[::1]:4", aggregator.LabelAt(IPAddress.IPv6Loopback));
        Assert.Equal(PeerReceipt.RejectedMac, aggregator.RejectMac(IPAddress.Loopback));
        Assert.Equal(1, aggregator.UnknownSender);
        Assert.All(aggregator.Status(), p => Assert.Equal(0, p.RejectedMac));
    }

    [Fact]
    public void ViewCapturedBeforeTheReceiverRestarted_ReplayedAfter_IsRejected_AFreshOneAccepted()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        var captured = cluster.Instances[1].Sent[^1]; // a genuine, validly signed view of instance 1
        cluster.Run(5);

        cluster.Restart(0); // the receiver forgets every sequence number it saw
        var target = cluster.Instances[0];
        Assert.Equal(PeerReceipt.Stale, target.Receive(captured.Body, captured.Mac, out var detail, remote: cluster.AddressOf(1)));
        Assert.Contains("more than 3 s from this clock", detail, StringComparison.Ordinal);
        Assert.Null(target.Aggregator.FreshUntil(cluster.Urls[1]));

        cluster.Run(1.5); // the peers' next heartbeats
        var peer = StatusOf(cluster, 0, 1);
        Assert.True(peer.Accepted >= 1);
        Assert.True(peer.Fresh);
        Assert.Equal(1, peer.Stale);
        Assert.Equal(3, target.Machine.AggregatePrimary.Verdict.Views);
    }

    [Fact]
    public void ViewCapturedJustBeforeTheReceiverRestarted_CountsNoLongerThanTheOriginalWould()
    {
        var cluster = new PeerCluster(2);
        cluster.Run(5);
        cluster.CutPeers(0, 1); // the attacker holds back instance 1's newer views
        var captured = cluster.Instances[1].Sent[^1];
        var sentAt = cluster.Time.GetUtcNow();
        cluster.Restart(0);
        cluster.Time.Advance(TimeSpan.FromSeconds(2)); // within the 3 s skew bound: it cannot be told from a late delivery

        var target = cluster.Instances[0];
        Assert.Equal(PeerReceipt.Accepted, target.Receive(captured.Body, captured.Mac, remote: cluster.AddressOf(1)));
        var until = target.Aggregator.FreshUntil(cluster.Urls[1]);
        Assert.NotNull(until);
        Assert.True(until <= sentAt + cluster.MaxAge, $"counts until {until:O}, past its send time + {cluster.MaxAge}");
        Assert.Equal(PeerReceipt.Replayed, target.Receive(captured.Body, captured.Mac, remote: cluster.AddressOf(1)));

        cluster.Time.Advance(TimeSpan.FromSeconds(1.1)); // 3.1 s after it was sent, 1.1 s after it arrived
        Assert.False(StatusOf(cluster, 0, 1).Fresh);
    }

    [Fact]
    public void RestartedSender_ItsNewViewsAreAccepted_NotTakenForReplays()
    {
        var cluster = new PeerCluster(3);
        cluster.Run(5);
        var before = StatusOf(cluster, 0, 1);
        cluster.Restart(1);
        cluster.Run(3);

        var after = StatusOf(cluster, 0, 1);
        Assert.True(after.Accepted > before.Accepted);
        Assert.Equal(0, after.Replayed);
        Assert.True(after.Fresh);
    }
}
