namespace Kindling.Health.Peers;

/// <summary>What became of a view received from a peer (the <c>result</c> label of <c>kindling_dns_peer_views_total</c>).</summary>
public enum PeerReceipt
{
    /// <summary>Authentic, from a known peer, newer than the last one and recent: it counts.</summary>
    Accepted,

    /// <summary>
    /// Its MAC is wrong or missing (another secret, or altered; the body is then not even parsed), or it is authentic
    /// but its sender is not in <c>peers.urls</c>.
    /// </summary>
    RejectedMac,

    /// <summary>Its sequence number is not above the last accepted one from that peer: a replay (or a peer's clock set back).</summary>
    Replayed,

    /// <summary>
    /// Its send time is further from this instance's clock than the freshness window: an old view replayed (also one
    /// captured before this instance restarted), or a skewed clock.
    /// </summary>
    Stale,

    /// <summary>Its MAC verifies but the body is no view this version reads (instances of different kindling versions, or a bug).</summary>
    Malformed,
}
