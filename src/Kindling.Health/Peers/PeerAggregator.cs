using System.Globalization;
using Kindling.Health.Failover;

namespace Kindling.Health.Peers;

/// <summary>
/// The views of this instance's peers and the one rule that aggregates them, the same on every instance:
/// <list type="bullet">
/// <item>a view counts while it is <em>fresh</em>: received less than <see cref="MaxAge"/> ago (3 probe intervals,
/// at least 3 s); an older one counts as absent;</item>
/// <item>a side is <b>down</b> when a strict majority of the fresh views (this instance's own included) say down;</item>
/// <item>else it is <b>up</b> when at least one view says up and no more say down than up; else <b>unknown</b>;</item>
/// <item>an up side has <b>risen</b> (failback may count its hold-down) when at least half the fresh views say it has
/// passed <c>rise</c> checks in a row with no failure since.</item>
/// </list>
/// With no fresh peer the own view decides alone, exactly as a single instance does. A view is accepted only from a
/// known peer, with a send time within <see cref="MaxAge"/> of this clock and a sequence number above the last one
/// accepted from it (the MAC is checked before, by <see cref="PeerViewCodec"/>). Thread-safe; time comes from the
/// injected <see cref="TimeProvider"/>.
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
    private long _unknownSender;
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
                _peers[peer] = new Entry(peer, NameOf(peer));
            }
        }
    }

    /// <summary>This instance's id (its URL in <c>peers.urls</c>).</summary>
    public string Self { get; }

    public TimeSpan MaxAge { get; }

    /// <summary>The peers' ids (URLs), this instance excluded.</summary>
    public IReadOnlyList<string> Peers => [.. _peers.Keys];

    /// <summary>Views rejected because their sender is no known peer (counted under the peer label <c>unknown</c>).</summary>
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

            if ((now - view.SentAt).Duration() > MaxAge)
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

    /// <summary>Counts a view whose MAC did not verify; <paramref name="claimed"/> is the sender it claims (untrusted: only a label).</summary>
    public void RejectMac(string? claimed)
    {
        lock (_lock)
        {
            if (claimed is not null && _peers.TryGetValue(claimed, out var entry))
            {
                entry.RejectedMac++;
            }
            else
            {
                _unknownSender++;
            }
        }
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
                if (entry.View is { } view && now - entry.ReceivedAt <= MaxAge && view.Find(record) is { } found)
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
                var fresh = e.View is not null && now - e.ReceivedAt <= MaxAge;
                double? age = e.View is null ? null : Math.Round((now - e.ReceivedAt).TotalSeconds, 3);
                return new PeerStatus(e.Name, e.Url, e.Reachable && fresh, e.Reachable, fresh, age, Summary(e.View), e.View,
                    e.Accepted, e.RejectedMac, e.Replayed, e.Stale, e.Disagreements, e.Disagreeing, e.LastReachedAt, e.LastError);
            })];
        }
    }

    /// <summary>A one-line summary of a view: per record the side answered and each side's state.</summary>
    public static string Summary(PeerView? view) => view is null
        ? "no view yet"
        : string.Join("; ", view.Records.Select(r =>
            $"{r.Name} answering {Lower(r.Active)}, primary {Lower(r.Primary.State)}, backup {Lower(r.Backup.State)}"));

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

        public long LastSequence { get; set; } = long.MinValue;

        public long Accepted { get; set; }

        public long RejectedMac { get; set; }

        public long Replayed { get; set; }

        public long Stale { get; set; }

        public long Disagreements { get; set; }

        public bool Disagreeing { get; set; }

        public bool Reachable { get; set; }

        public DateTimeOffset? LastReachedAt { get; set; }

        public string? LastError { get; set; }
    }
}
