using System.Net;
using Kindling.Dns;

namespace Kindling.Health.Failover;

/// <summary>Which node set a failover name answers with.</summary>
public enum Side
{
    Primary,
    Backup,
}

/// <summary>Automatic failover, or a side forced by an operator (maintenance).</summary>
public enum FailoverMode
{
    Auto,
    ForcePrimary,
    ForceBackup,
}

/// <summary>What a probe talks: HTTP(S) requests or a bare TCP connect.</summary>
public enum ProbeKind
{
    Http,
    Https,
    Tcp,
}

/// <summary>
/// The timing of one record's checks and of its failback damping. Defaults follow issue 4: interval 1 s,
/// fast re-probe 100 ms, timeout 500 ms, fall 3, rise 5, hold-down 10 s doubling up to 5 min on flaps
/// within 10 min.
/// </summary>
public sealed record FailoverTimings
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The re-probe period after a first failure, until <see cref="Fall"/> is reached or a probe succeeds.</summary>
    public TimeSpan FastInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Consecutive failures that declare a side down.</summary>
    public int Fall { get; init; } = 3;

    /// <summary>Consecutive successes that declare a side up (and that failback needs).</summary>
    public int Rise { get; init; } = 5;

    /// <summary>The first failback hold-down; it doubles each time the primary fails again within <see cref="FlapWindow"/>.</summary>
    public TimeSpan HoldDown { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan HoldDownMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A primary failing again within this time of its last recovery is flapping; this much quiet resets the hold-down.</summary>
    public TimeSpan FlapWindow { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// One service check of a node: <c>url</c> with <c>{address}</c> replaced by each node address.
/// HTTP(S) checks pass on an expected status (any 2xx when none is given) and an optional body substring.
/// </summary>
public sealed record CheckSpec
{
    public required ProbeKind Kind { get; init; }

    /// <summary>The URL as written, e.g. <c>https://{address}:443/healthz</c> or <c>tcp://{address}:9000</c>.</summary>
    public required string UrlTemplate { get; init; }

    /// <summary>PEM file of the CA(s) that must have issued the node's certificate; null uses the system trust store.</summary>
    public string? CaFile { get; init; }

    /// <summary>Host header, TLS server name and certificate name to check; null uses the address.</summary>
    public string? Host { get; init; }

    public string Method { get; init; } = "GET";

    /// <summary>Accepted status codes; empty accepts any 2xx.</summary>
    public IReadOnlyList<int> ExpectStatus { get; init; } = [];

    public string? BodyContains { get; init; }

    /// <summary>The URL for one node address (IPv6 addresses in brackets, RFC 3986 §3.2.2).</summary>
    public string UrlFor(IPAddress address) =>
        UrlTemplate.Replace("{address}", address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString(), StringComparison.Ordinal);
}

/// <summary>
/// The content-parity gate: before failback, <c>GET</c> this URL on the primary and on the backup; each returns
/// JSON with a top-level <c>digest</c>, and the primary must report the backup's digest.
/// </summary>
public sealed record ParitySpec
{
    public required string UrlTemplate { get; init; }

    public string? CaFile { get; init; }

    public string? Host { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// A failover name: its A/AAAA RRset is <see cref="Primary"/> while the primary node is healthy and
/// <see cref="Backup"/> while it is not. A side is healthy when every address passes every check.
/// </summary>
public sealed record FailoverRecord
{
    /// <summary>Absolute and lower case, as the loader read it; its text is <c>www.tinder-node-server.com.</c> (with the trailing dot).</summary>
    public required DomainName Name { get; init; }

    public required IReadOnlyList<IPAddress> Primary { get; init; }

    public required IReadOnlyList<IPAddress> Backup { get; init; }

    public int Ttl { get; init; } = 5;

    public required IReadOnlyList<CheckSpec> Checks { get; init; }

    public FailoverTimings Timings { get; init; } = new();

    public ParitySpec? Parity { get; init; }

    public IReadOnlyList<IPAddress> AddressesOf(Side side) => side == Side.Primary ? Primary : Backup;
}

/// <summary>The failover file: the records and an optional webhook that receives each transition.</summary>
public sealed record FailoverFile
{
    public required string Path { get; init; }

    public required IReadOnlyList<FailoverRecord> Records { get; init; }

    public Uri? Webhook { get; init; }

    /// <summary>The other instances whose views are aggregated with this one's; null: this instance decides alone.</summary>
    public PeersSpec? Peers { get; init; }
}
