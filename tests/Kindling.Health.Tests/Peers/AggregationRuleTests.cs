using Kindling.Health.Failover;
using Kindling.Health.Peers;
using Microsoft.Extensions.Time.Testing;
using static Kindling.Health.Tests.Failover.Records;

namespace Kindling.Health.Tests.Peers;

/// <summary>The aggregation rule on its own: strict majority for down, freshness, risen, and the view table's checks.</summary>
public sealed class AggregationRuleTests
{
    private static SideVote Vote(SideState state, bool risen = false) => new(state, risen, T0, 0, 0, 0);

    private static SideVerdict Combine(params (SideState State, bool Risen)[] votes) =>
        PeerAggregator.Combine([.. votes.Select((v, i) => ($"v{i}", Vote(v.State, v.Risen)))]);

    [Theory]
    [InlineData("down", "down")]
    [InlineData("up", "up")]
    [InlineData("unknown", "unknown")]
    [InlineData("down,down,up", "down")]
    [InlineData("down,up,up", "up")]
    [InlineData("down,up", "up")]
    [InlineData("down,down", "down")]
    [InlineData("down,unknown,unknown", "unknown")]
    [InlineData("down,down,unknown", "down")]
    [InlineData("down,down,up,up", "up")]
    [InlineData("down,down,down,up", "down")]
    [InlineData("unknown,up,up", "up")]
    public void StrictMajorityOfFreshViewsDecidesDown(string votes, string expected)
    {
        var verdict = Combine([.. votes.Split(',').Select(v => (Enum.Parse<SideState>(v, ignoreCase: true), false))]);

        Assert.Equal(Enum.Parse<SideState>(expected, ignoreCase: true), verdict.State);
    }

    [Fact]
    public void Risen_NeedsAtLeastHalfTheViews()
    {
        Assert.True(Combine((SideState.Up, true)).Risen);
        Assert.False(Combine((SideState.Up, false)).Risen);
        Assert.True(Combine((SideState.Up, true), (SideState.Up, true), (SideState.Down, false)).Risen);
        Assert.False(Combine((SideState.Up, true), (SideState.Up, false), (SideState.Down, false)).Risen);
        Assert.True(Combine((SideState.Up, true), (SideState.Up, false)).Risen);
    }

    [Fact]
    public void APeerViewCountsUntilItIsMaxAgeOld_ThenTheOwnViewDecidesAlone()
    {
        var time = new FakeTimeProvider(T0);
        var aggregator = new PeerAggregator(time, "http://a/", ["http://a/", "http://b/", "http://c/"], TimeSpan.FromSeconds(3));
        var up = Vote(SideState.Up, true);
        foreach (var peer in new[] { "http://b/", "http://c/" })
        {
            Assert.Equal(PeerReceipt.Accepted, aggregator.Accept(new PeerView(1, peer, 1, T0, [new RecordView("www.", Side.Primary, up, up)])));
        }

        var own = Vote(SideState.Down);
        Assert.Equal(SideState.Up, aggregator.Decide("www.", Side.Primary, own).State);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(3, aggregator.Decide("www.", Side.Primary, own).Views);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var alone = aggregator.Decide("www.", Side.Primary, own);
        Assert.Equal(1, alone.Views);
        Assert.Equal(SideState.Down, alone.State);
    }

    [Fact]
    public void MaxAge_IsThreeIntervals_AtLeastThreeSeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), PeerAggregator.MaxAgeFor(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(TimeSpan.FromSeconds(6), PeerAggregator.MaxAgeFor(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void AViewFromTheFutureOrThePastBeyondMaxAge_IsStale()
    {
        var time = new FakeTimeProvider(T0);
        var aggregator = new PeerAggregator(time, "http://a/", ["http://a/", "http://b/"], TimeSpan.FromSeconds(3));

        Assert.Equal(PeerReceipt.Stale, aggregator.Accept(new PeerView(1, "http://b/", 1, T0.AddSeconds(4), [])));
        Assert.Equal(PeerReceipt.Stale, aggregator.Accept(new PeerView(1, "http://b/", 2, T0.AddSeconds(-4), [])));
        Assert.Equal(PeerReceipt.Accepted, aggregator.Accept(new PeerView(1, "http://b/", 3, T0.AddSeconds(-2), [])));
        Assert.Equal(PeerReceipt.Replayed, aggregator.Accept(new PeerView(1, "http://b/", 3, T0, [])));
    }

    [Fact]
    public void OwnEntryIsNoPeer_AndItsViewsAreRejected()
    {
        var aggregator = new PeerAggregator(new FakeTimeProvider(T0), "http://a/", ["http://a/", "http://b/"], TimeSpan.FromSeconds(3));

        Assert.Equal(["http://b/"], aggregator.Peers);
        Assert.Equal(PeerReceipt.RejectedMac, aggregator.Accept(new PeerView(1, "http://a/", 1, T0, [])));
    }

    [Fact]
    public void Codec_TamperedBodyOrMissingMac_DoesNotVerify()
    {
        var secret = PeerCluster.Secret;
        var (body, mac) = PeerViewCodec.Encode(new PeerView(1, "http://b/", 7, T0, []), secret);
        Assert.True(PeerViewCodec.TryDecode(body, mac, secret, out var view, out _, out _));
        Assert.Equal(7, view!.Sequence);

        var tampered = body.ToArray();
        tampered[^3] ^= 1;
        Assert.False(PeerViewCodec.TryDecode(tampered, mac, secret, out _, out _, out var error));
        Assert.Contains("MAC", error, StringComparison.Ordinal);
        Assert.False(PeerViewCodec.TryDecode(body, null, secret, out var unread, out var authentic, out error));
        Assert.Null(unread);
        Assert.False(authentic);
        Assert.Contains("no X-Kindling-Peer-Mac header", error, StringComparison.Ordinal);
        Assert.False(PeerViewCodec.TryDecode(new byte[PeerViewCodec.MaxBodyBytes + 1], mac, secret, out _, out _, out _));
    }
}
