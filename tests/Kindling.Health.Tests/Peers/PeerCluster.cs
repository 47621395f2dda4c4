using System.Net;
using System.Text;
using Kindling.Health.Failover;
using Kindling.Health.Peers;
using Kindling.Health.Probes;
using Microsoft.Extensions.Time.Testing;
using static Kindling.Health.Tests.Failover.Records;

namespace Kindling.Health.Tests.Peers;

/// <summary>
/// Several instances of one installation on one fake clock, without sockets: each has its own checks (a script says
/// what it sees of each side), its own <see cref="PeerAggregator"/> and state machine, and publishes its signed view
/// to the peers it can reach at once when its vote changes and every interval as a heartbeat, as the mesh does.
/// Links (instance to node, instance to instance) can be cut.
/// </summary>
internal sealed class PeerCluster
{
    public static readonly byte[] Secret = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef-shared");

    private static readonly ProbeOutcome Good = ProbeOutcome.Up(TimeSpan.FromMilliseconds(1));
    private static readonly ProbeOutcome Refused = ProbeOutcome.Down(TimeSpan.FromMilliseconds(1), "connection refused");
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly HashSet<(int, int)> _cutPeers = [];
    private readonly FailoverTimings _timings;

    public PeerCluster(int count, FailoverTimings? timings = null)
    {
        _timings = timings ?? new FailoverTimings();
        Time = new FakeTimeProvider(T0);
        Urls = [.. Enumerable.Range(0, count).Select(i => $"http://127.0.41.{192 + i}:8053/")];
        Instances = [.. Enumerable.Range(0, count).Select(i => NewInstance(i, null))];
    }

    public FakeTimeProvider Time { get; }

    public IReadOnlyList<string> Urls { get; }

    public Instance[] Instances { get; }

    /// <summary>Whether the primary (or backup) node answers at all.</summary>
    public bool PrimaryAlive { get; set; } = true;

    public bool BackupAlive { get; set; } = true;

    public TimeSpan MaxAge => PeerAggregator.MaxAgeFor(_timings.Interval);

    /// <summary>Every switch any instance made, in order.</summary>
    public List<(int Instance, FailoverTransition Transition)> Switches { get; } = [];

    public void CutPeers(int a, int b)
    {
        _cutPeers.Add((a, b));
        _cutPeers.Add((b, a));
    }

    /// <summary>Cuts one instance off from every peer.</summary>
    public void Isolate(int a)
    {
        for (var b = 0; b < Instances.Length; b++)
        {
            if (b != a)
            {
                CutPeers(a, b);
            }
        }
    }

    public void HealPeers() => _cutPeers.Clear();

    /// <summary>Replaces an instance by a fresh process restored from its saved state (own checks unknown, no peer views).</summary>
    public void Restart(int i) => Instances[i] = NewInstance(i, Instances[i].Machine.Save());

    /// <summary>Runs the cluster for <paramref name="seconds"/> in 100 ms steps.</summary>
    public void Run(double seconds)
    {
        var end = Time.GetUtcNow() + TimeSpan.FromSeconds(seconds);
        while (Time.GetUtcNow() < end)
        {
            Time.Advance(Tick);
            var now = Time.GetUtcNow();
            foreach (var instance in Instances.Where(x => !x.Dead))
            {
                instance.ProbeIfDue(this, now);
            }

            foreach (var instance in Instances.Where(x => !x.Dead))
            {
                instance.PublishIfDue(this, now);
            }

            foreach (var (instance, index) in Instances.Select((x, i) => (x, i)).Where(p => !p.x.Dead))
            {
                if (instance.Machine.Evaluate(now).Transition is { } t)
                {
                    Switches.Add((index, t));
                }
            }
        }
    }

    public IEnumerable<Side> Answers => Instances.Where(x => !x.Dead).Select(x => x.Machine.Active);

    /// <summary>Signs and delivers a view from one instance to another unless the link is cut.</summary>
    internal void Deliver(int from, int to, PeerView view)
    {
        if (_cutPeers.Contains((from, to)) || Instances[to].Dead)
        {
            return;
        }

        var (body, mac) = PeerViewCodec.Encode(view, Secret);
        Instances[to].Receive(body, mac, remote: AddressOf(from));
    }

    /// <summary>The address instance <paramref name="i"/> sends from (its address in <see cref="Urls"/>).</summary>
    public IPAddress AddressOf(int i) => IPAddress.Parse(new Uri(Urls[i]).Host);

    private Instance NewInstance(int i, FailoverRecordState? restored)
    {
        var aggregator = new PeerAggregator(Time, Urls[i], Urls, MaxAge);
        var machine = new FailoverStateMachine(Www(_timings), Time.GetUtcNow(), restored, aggregator);
        return new Instance(i, aggregator, machine, _timings);
    }

    internal sealed class Instance(int index, PeerAggregator aggregator, FailoverStateMachine machine, FailoverTimings timings)
    {
        private readonly DateTimeOffset?[] _nextProbe = [null, null];
        private DateTimeOffset _nextHeartbeat;
        private long _sequence;
        private (SideState, bool)[] _published = [];

        public int Index => index;

        public PeerAggregator Aggregator => aggregator;

        public FailoverStateMachine Machine => machine;

        public bool Dead { get; set; }

        /// <summary>This instance cannot reach the primary (its link is cut; the primary itself is fine).</summary>
        public bool PrimaryCut { get; set; }

        public List<PeerReceipt> Receipts { get; } = [];

        /// <summary>Every signed view this instance sent (for replays).</summary>
        public List<(byte[] Body, string Mac)> Sent { get; } = [];

        public void ProbeIfDue(PeerCluster cluster, DateTimeOffset now)
        {
            foreach (var side in (Side[])[Side.Primary, Side.Backup])
            {
                var due = _nextProbe[(int)side];
                if (due is { } at && at > now)
                {
                    continue;
                }

                var healthy = side == Side.Primary ? cluster.PrimaryAlive && !PrimaryCut : cluster.BackupAlive;
                if (machine.Observe(side, healthy ? Good : Refused, now, out _).Transition is { } t)
                {
                    cluster.Switches.Add((index, t));
                }

                _nextProbe[(int)side] = now + (machine[side].Suspect ? timings.FastInterval : timings.Interval);
            }
        }

        /// <summary>At once when the own vote changed, else every interval.</summary>
        public void PublishIfDue(PeerCluster cluster, DateTimeOffset now)
        {
            (SideState, bool)[] votes = [.. ((Side[])[Side.Primary, Side.Backup]).Select(s => (machine.VoteOf(s).State, machine.VoteOf(s).Risen))];
            if (votes.SequenceEqual(_published) && now < _nextHeartbeat)
            {
                return;
            }

            _published = votes;
            _nextHeartbeat = now + timings.Interval;
            var own = new RecordView(machine.NameText, machine.Active, machine.VoteOf(Side.Primary), machine.VoteOf(Side.Backup));
            aggregator.SetOwn([own]);
            _sequence = PeerView.NextSequence(_sequence, now); // as the mesh does: a restarted instance starts above what it sent
            var view = new PeerView(PeerView.CurrentVersion, cluster.Urls[index], _sequence, now, [own]);
            Sent.Add(PeerViewCodec.Encode(view, Secret));
            for (var to = 0; to < cluster.Instances.Length; to++)
            {
                if (to != index)
                {
                    cluster.Deliver(index, to, view);
                }
            }
        }

        /// <summary>Takes a body as the mesh does (<see cref="PeerAggregator.Receive"/>); <paramref name="remote"/> is the socket's sender address.</summary>
        public PeerReceipt Receive(byte[] body, string? mac, byte[]? secret = null, IPAddress? remote = null) => Receive(body, mac, out _, secret, remote);

        public PeerReceipt Receive(byte[] body, string? mac, out string detail, byte[]? secret = null, IPAddress? remote = null)
        {
            var receipt = aggregator.Receive(body, mac, secret ?? Secret, remote, out _, out detail);
            Receipts.Add(receipt);
            return receipt;
        }
    }
}
