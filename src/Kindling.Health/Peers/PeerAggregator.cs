using System.Globalization;
using System.Net;
using Kindling.Health.Failover;

namespace Kindling.Health.Peers;

/// <summary>
/// The views of this instance's peers and the one rule that aggregates them, the same on every instance:
/// <list type="bullet">
/// <item>a view counts while it is <em>fresh</em>: less than <see cref="MaxAge"/> (3 probe intervals, at least 3 s)
/// has passed since it was received, or since it was sent if that is earlier (a replayed view lives no longer than
/// the original did); an older one counts as absent;</item>
/// <item>a side is <b>down</b> when a strict majority of the fresh views (this instance's own included) say down;</item>
/// <item>else it is <b>up</b> when at least one view says up and no more say down than up; else <b>unknown</b>;</item>
/// <item>an up side has <b>risen</b> (failback may count its hold-down) when at least half the fresh views say it has
/// passed <c>rise</c> checks in a row with no failure since.</item>
/// </list>
/// With no fresh peer the own view decides alone, exactly as a single instance does. A view is accepted only from a
/// known peer, with a send time within <see cref="MaxSkew"/> of this clock and a sequence number above the last one
/// accepted from it (the MAC is checked before, by <see cref="PeerViewCodec"/>). The last sequence numbers live in
/// memory only: after this instance restarts, the send-time bound is what rejects a view captured before (it was sent
/// more than <see cref="MaxSkew"/> ago), and one captured within <see cref="MaxSkew"/> of the restart counts no longer
/// than the original would have. Thread-safe; time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class PeerAggregator : IPeerVerdicts
{
    /// <summary>How this instance's own view is named in verdicts and logs.</summary>
    public const string SelfName = "self";

    /// <summary>A view stays fresh for this many probe intervals.</summary>
    public const int FreshIntervals = 3;

    /// <summary>The shortest freshness window, whatever the interval.</summary>
    public static readonly TimeSpan MinMaxAge = TimeSpan.FromSeconds(3);

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _peers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<IPAddress, Entry?> _byAddress = [];
    private long _unknownSender;
    private long _unknownMalformed;
    private IReadOnlyList<RecordView> _own = [];

    public PeerAggregator(TimeProvider time, string self, IEnumerable<string> peers, TimeSpan maxAge)
    {
        _time = time;
        Self = self;
        MaxAge = maxAge;
        foreach (var peer in peers)
        {
            if (!string.Equals(peer, self, StringComparison.OrdinalIgnoreCase))
            {
                var entry = new Entry(peer, NameOf(peer));
                _peers[peer] = entry;
                if (Uri.TryCreate(peer, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
                {
                    // Two peers on one address: a rejection from it cannot say which, so it counts as unknown.
                    _byAddress[address] = _byAddress.ContainsKey(address) ? null : entry;
                }
            }
        }
    }

    /// <summary>This instance's id (its URL in <c>peers.urls</c>).</summary>
    public string Self { get; }

    public TimeSpan MaxAge { get; }

    /// <summary>
    /// How far a view's send time may be from this clock, either way, to be accepted: the freshness window
    /// <see cref="MaxAge"/> (3 probe intervals, at least 3 s). It bounds how old a replayed view can be (also after this
    /// instance restarted and forgot the sequence numbers), and it is the clock skew the instances tolerate: keep
    /// their clocks in step with NTP, well within it.
    /// </summary>
    public TimeSpan MaxSkew => MaxAge;

    /// <summary>The peers' ids (URLs), this instance excluded.</summary>
    public IReadOnlyList<string> Peers => [.. _peers.Keys];

    /// <summary>Authentic views that are no view this version reads, from an address that is no known peer's (label <c>unknown</c>).</summary>
    public long UnknownMalformed
    {
        get
        {
            lock (_lock)
            {
                return _unknownMalformed;
            }
        }
    }

    /// <summary>
    /// Views rejected for their MAC from an address that is no single peer's, or authentic ones naming a sender that is
    /// no known peer (counted under the peer label <c>unknown</c>).
    /// </summary>
    public long UnknownSender
    {
        get
        {
            lock (_lock)
            {
                return _unknownSender;
            }
        }
    }

    /// <summary><see cref="FreshIntervals"/> probe intervals, at least <see cref="MinMaxAge"/>.</summary>
    public static TimeSpan MaxAgeFor(TimeSpan interval) => interval * FreshIntervals > MinMaxAge ? interval * FreshIntervals : MinMaxAge;

    /// <summary>A short name for a peer URL: its address and port.</summary>
    public static string NameOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : url;

    /// <summary>True when <paramref name="instance"/> is one of the peers (not this instance).</summary>
    public bool Knows(string? instance) => instance is not null && _peers.ContainsKey(instance);

    /// <summary>The peer name for labels: the peer's short name, or <c>unknown</c>.</summary>
    public string LabelOf(string? instance) => instance is not null && _peers.TryGetValue(instance, out var entry) ? entry.Name : "unknown";

    /// <summary>
    /// Takes a received body: checks its MAC (<see cref="PeerViewCodec"/>, before anything reads it), then its sender,
    /// time and sequence. A rejection before the body is authenticated (bad MAC) or readable (malformed) is counted
    /// under the peer whose address <paramref name="remote"/> is (the socket's view of the sender, not the body's
    /// claim), else under <c>unknown</c>. <paramref name="view"/> is set once the body is authentic and readable.
    /// </summary>
    public PeerReceipt Receive(ReadOnlySpan<byte> body, string? mac, ReadOnlySpan<byte> secret, IPAddress? remote, out PeerView? view, out string detail)
    {
        if (!PeerViewCodec.TryDecode(body, mac, secret, out view, out var authentic, out detail))
        {
            return authentic ? Malformed(remote) : RejectMac(remote);
        }

        var receipt = Accept(view!);
        detail = receipt switch
        {
            PeerReceipt.RejectedMac => $"the MAC verifies but the sender {view!.Instance} is not one of peers.urls (or is this instance)",
            PeerReceipt.Stale => $"sent at {view!.SentAt:O}, more than {FailoverStateMachine.Format(MaxSkew)} from this clock "
                + "(an old view replayed, or clocks apart: keep them in step with NTP)",
            PeerReceipt.Replayed => $"sequence {view!.Sequence} is not above the last accepted one (a replay)",
            _ => "",
        };
        return receipt;
    }

    /// <summary>The peer name for a rejection from <paramref name="remote"/>: the one peer on that address, or <c>unknown</c>.</summary>
    public string LabelAt(IPAddress? remote) => At(remote)?.Name ?? "unknown";

    /// <summary>Until when the accepted view of <paramref name="instance"/> counts (null: none).</summary>
    public DateTimeOffset? FreshUntil(string instance)
    {
        lock (_lock)
        {
            return _peers.TryGetValue(instance, out var entry) && entry.View is not null ? entry.CountsFrom + MaxAge : null;
        }
    }

    /// <summary>Takes an authenticated view (MAC already checked) if it is from a known peer, recent and newer than the last.</summary>
    public PeerReceipt Accept(PeerView view)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_peers.TryGetValue(view.Instance, out var entry))
            {
                _unknownSender++;
                return PeerReceipt.RejectedMac;
            }

            if ((now - view.SentAt).Duration() > MaxSkew)
            {
                entry.Stale++;
                return PeerReceipt.Stale;
            }

            if (view.Sequence <= entry.LastSequence)
            {
                entry.Replayed++;
                return PeerReceipt.Replayed;
            }

            entry.LastSequence = view.Sequence;
            entry.View = view;
            entry.ReceivedAt = now;
            entry.CountsFrom = view.SentAt < now ? view.SentAt : now;
            entry.Accepted++;
            var disagreeing = Disagrees(view, _own);
            if (disagreeing && !entry.Disagreeing)
            {
                entry.Disagreements++;
            }

            entry.Disagreeing = disagreeing;
            return PeerReceipt.Accepted;
        }
    }

    /// <summary>Counts a view whose MAC did not verify under the peer on <paramref name="remote"/> (never under what the body says).</summary>
    public PeerReceipt RejectMac(IPAddress? remote)
    {
        lock (_lock)
        {
            if (At(remote) is { } entry)
            {
                entry.RejectedMac++;
            }
            else
            {
                _unknownSender++;
            }
        }

        return PeerReceipt.RejectedMac;
    }

    /// <summary>Counts an authentic body that is no view this version reads, under the peer on <paramref name="remote"/>.</summary>
    public PeerReceipt Malformed(IPAddress? remote)
    {
        lock (_lock)
        {
            if (At(remote) is { } entry)
            {
                entry.Malformed++;
            }
            else
            {
                _unknownMalformed++;
            }
        }

        return PeerReceipt.Malformed;
    }

    /// <summary>This instance's own view as last published (peers' views are compared with it: the disagreement counter).</summary>
    public void SetOwn(IReadOnlyList<RecordView> own)
    {
        lock (_lock)
        {
            _own = own;
            foreach (var entry in _peers.Values)
            {
                if (entry.View is { } view)
                {
                    var disagreeing = Disagrees(view, own);
                    if (disagreeing && !entry.Disagreeing)
                    {
                        entry.Disagreements++;
                    }

                    entry.Disagreeing = disagreeing;
                }
            }
        }
    }

    /// <summary>Notes whether a push to (or poll of) a peer got through.</summary>
    public void Reached(string peer, bool ok, string? error)
    {
        lock (_lock)
        {
            if (_peers.TryGetValue(peer, out var entry))
            {
                entry.Reachable = ok;
                entry.LastError = ok ? null : error;
                if (ok)
                {
                    entry.LastReachedAt = _time.GetUtcNow();
                }
            }
        }
    }

    /// <summary>The rule applied to the own vote and every fresh peer's vote on the side of the record.</summary>
    public SideVerdict Decide(string record, Side side, SideVote own)
    {
        var now = _time.GetUtcNow();
        List<(string Who, SideVote Vote)> views = [(SelfName, own)];
        lock (_lock)
        {
            foreach (var entry in _peers.Values)
            {
                if (entry.View is { } view && now - entry.CountsFrom <= MaxAge && view.Find(record) is { } found)
                {
                    views.Add((entry.Name, found.Of(side)));
                }
            }
        }

        return Combine(views);
    }

    /// <summary>The aggregation rule itself (see the type's summary), on a list of views.</summary>
    public static SideVerdict Combine(IReadOnlyList<(string Who, SideVote Vote)> views)
    {
        var n = views.Count;
        var down = views.Count(v => v.Vote.State == SideState.Down);
        var up = views.Count(v => v.Vote.State == SideState.Up);
        var risen = views.Count(v => v.Vote.State == SideState.Up && v.Vote.Risen);
        var state = 2 * down > n ? SideState.Down : up > 0 && up >= down ? SideState.Up : SideState.Unknown;
        var hasRisen = state == SideState.Up && 2 * risen >= n;
        var detail = string.Create(CultureInfo.InvariantCulture, $"{down} of {n} fresh view(s) down, {up} up: ")
            + string.Join(", ", views.Select(v => $"{v.Who} {v.Vote.State.ToString().ToLowerInvariant()}" + (v.Vote.State == SideState.Up && !v.Vote.Risen ? " (rising)" : "")));
        return new SideVerdict(state, hasRisen, n, down, up, detail);
    }

    public IReadOnlyList<PeerStatus> Status()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return [.. _peers.Values.Select(e =>
            {
                var fresh = e.View is not null && now - e.CountsFrom <= MaxAge;
                double? age = e.View is null ? null : Math.Round((now - e.ReceivedAt).TotalSeconds, 3);
                return new PeerStatus(e.Name, e.Url, e.Reachable && fresh, e.Reachable, fresh, age, Summary(e.View), e.View,
                    e.Accepted, e.RejectedMac, e.Replayed, e.Stale, e.Malformed, e.Disagreements, e.Disagreeing, e.LastReachedAt, e.LastError);
            })];
        }
    }

    /// <summary>A one-line summary of a view: per record the side answered and each side's state.</summary>
    public static string Summary(PeerView? view) => view is null
        ? "no view yet"
        : string.Join("; ", view.Records.Select(r =>
            $"{r.Name} answering {Lower(r.Active)}, primary {Lower(r.Primary.State)}, backup {Lower(r.Backup.State)}"));

    /// <summary>The one peer on <paramref name="remote"/> (IPv4-mapped IPv6 addresses read as IPv4), or null.</summary>
    private Entry? At(IPAddress? remote) =>
        remote is not null && _byAddress.TryGetValue(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote, out var entry) ? entry : null;

    private static bool Disagrees(PeerView view, IReadOnlyList<RecordView> own) =>
        own.Any(o => view.Find(o.Name) is { } theirs && (theirs.Primary.State != o.Primary.State || theirs.Backup.State != o.Backup.State));

    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private sealed class Entry(string url, string name)
    {
        public string Url { get; } = url;

        public string Name { get; } = name;

        public PeerView? View { get; set; }

        public DateTimeOffset ReceivedAt { get; set; }

        /// <summary>When the view's freshness is counted from: its arrival, or its send time if earlier.</summary>
        public DateTimeOffset CountsFrom { get; set; }

        public long LastSequence { get; set; } = long.MinValue;

        public long Accepted { get; set; }

        public long RejectedMac { get; set; }

        public long Replayed { get; set; }

        public long Stale { get; set; }

        public long Malformed { get; set; }

        public long Disagreements { get; set; }

        public bool Disagreeing { get; set; }

        public bool Reachable { get; set; }

        public DateTimeOffset? LastReachedAt { get; set; }

        public string? LastError { get; set; }
    }
}
