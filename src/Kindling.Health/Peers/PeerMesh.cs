using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Kindling.Health.Failover;
using Kindling.Health.Probes;
using Microsoft.Extensions.Logging;

namespace Kindling.Health.Peers;

/// <summary>
/// Exchanges views with the peers of a <c>peers:</c> section. Every change of this instance's own vote is pushed to
/// every peer at once (<c>POST /v1/peer/view</c> on the peer's <c>--http</c> endpoint), and the whole view again every
/// interval as a heartbeat; each peer has its own sender, so a dead peer delays nobody else. Received views go through
/// <see cref="PeerViewCodec"/> (the MAC over the raw octets, before the body is parsed) and <see cref="PeerAggregator"/>
/// (sender, time, sequence); an accepted view, and a view going stale, make the monitor decide again. None of this
/// touches the DNS query path: decisions land in the failover table as before.
/// </summary>
public sealed class PeerMesh : IAsyncDisposable
{
    private readonly PeersSpec _spec;
    private readonly PeerAggregator _aggregator;
    private readonly FailoverMonitor _monitor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _client;
    private readonly Dictionary<string, Sender> _senders = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _buildLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _heartbeat;
    private readonly List<Task> _loops = [];
    private long _sequence;
    private (byte[] Body, string Mac) _current;
    private long _rejectedLogged;

    internal PeerMesh(PeersSpec spec, PeerAggregator aggregator, FailoverMonitor monitor, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        _spec = spec;
        _aggregator = aggregator;
        _monitor = monitor;
        _time = time;
        _logger = logger;
        Interval = interval;
        RequestTimeout = interval < TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500) : interval > TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : interval;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = RequestTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        if (spec.CaFile is { } ca)
        {
            var cas = new X509Certificate2Collection();
            cas.ImportFromPemFile(ca);
            handler.SslOptions = TlsTrust.Trusting(cas);
        }

        _client = new HttpClient(handler) { Timeout = RequestTimeout };
        foreach (var peer in aggregator.Peers)
        {
            _senders[peer] = new Sender(peer) { Expiry = time.CreateTimer(_ => _monitor.Reevaluate(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) };
        }

        _heartbeat = time.CreateTimer(_ => Beat(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>This instance's id: its URL in <c>peers.urls</c>.</summary>
    public string Self => _aggregator.Self;

    public TimeSpan Interval { get; }

    /// <summary>The timeout of one push (the interval, within 0.5–2 s).</summary>
    public TimeSpan RequestTimeout { get; }

    internal PeerAggregator Aggregator => _aggregator;

    /// <summary>The peers' URLs (this instance excluded).</summary>
    public IReadOnlyList<string> PeerUrls => _aggregator.Peers;

    public IReadOnlyList<PeerStatus> Status() => _aggregator.Status();

    /// <summary>Views rejected for their MAC from an address that is no single peer's, or authentic ones from a sender not in <c>peers.urls</c>.</summary>
    public long RejectedUnknown => _aggregator.UnknownSender;

    /// <summary>Authentic bodies that are no view this version reads, from an address that is no single peer's.</summary>
    public long MalformedUnknown => _aggregator.UnknownMalformed;

    /// <summary>
    /// Finds this instance's entry in <c>peers.urls</c>: <c>self</c> if given, else the entry whose address and port are
    /// the process's <c>--http</c> endpoint.
    /// </summary>
    /// <exception cref="InvalidDataException">No entry matches (the message names the file and what to do).</exception>
    public static string ResolveSelf(PeersSpec spec, IPEndPoint? http, string file)
    {
        if (spec.Self is { } self)
        {
            return self.ToString();
        }

        if (http is null)
        {
            throw new InvalidDataException($"{file}: peers: needs --http ADDR:PORT (the endpoint the peers reach this instance on, one of peers.urls)");
        }

        var matches = spec.Urls.Where(u => IPAddress.TryParse(u.Host.Trim('[', ']'), out var address) && address.Equals(http.Address) && u.Port == http.Port).ToList();
        return matches.Count == 1
            ? matches[0].ToString()
            : throw new InvalidDataException($"{file}: peers: none of peers.urls ({string.Join(", ", spec.Urls)}) is this instance's --http {http}; "
                + "list it, or name this instance's entry with peers.self");
    }

    /// <summary>Starts the senders and the heartbeat, and pushes the first view.</summary>
    public void Start()
    {
        foreach (var sender in _senders.Values)
        {
            _loops.Add(SendLoopAsync(sender));
        }

        _monitor.OwnViewChanged += Publish;
        PeerLog.Started(_logger, Self, string.Join(", ", _senders.Keys), FailoverStateMachine.Format(_aggregator.MaxAge), FailoverStateMachine.Format(Interval));
        _heartbeat.Change(TimeSpan.Zero, Interval);
    }

    /// <summary>The current signed view (<c>GET /v1/peer/view</c>: a peer may poll it).</summary>
    public (byte[] Body, string Mac) Current()
    {
        lock (_buildLock)
        {
            return _current.Body is null ? Build() : _current;
        }
    }

    /// <summary>
    /// Takes a pushed view: checks its MAC before anything reads the body, then its sender, time and sequence (see
    /// <see cref="PeerAggregator.Receive"/>); an accepted one makes the monitor decide again. <paramref name="remote"/>
    /// is the sender's address as the socket saw it: a rejection before the body is authentic counts under the peer
    /// on that address (or <c>unknown</c>), never under a name the body gives.
    /// </summary>
    public PeerReceipt Receive(ReadOnlySpan<byte> body, string? mac, IPEndPoint? remote)
    {
        var receipt = _aggregator.Receive(body, mac, _spec.Secret.Span, remote?.Address, out var view, out var detail);
        if (receipt == PeerReceipt.Accepted)
        {
            if (_senders.TryGetValue(view!.Instance, out var sender) && _aggregator.FreshUntil(view.Instance) is { } until)
            {
                // Decide again when this view goes stale, should no newer one come.
                var left = until - _time.GetUtcNow();
                sender.Expiry!.Change((left > TimeSpan.Zero ? left : TimeSpan.Zero) + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
            }

            _monitor.Reevaluate();
            return receipt;
        }

        // Every rejection is counted; the first ten and then every hundredth are logged, so a flood cannot fill the log.
        // What the log names comes from the socket, or from the body only once its MAC verified.
        var logged = Interlocked.Increment(ref _rejectedLogged);
        if (logged <= 10 || logged % 100 == 0)
        {
            var label = view is null ? _aggregator.LabelAt(remote?.Address) : _aggregator.LabelOf(view.Instance);
            PeerLog.Rejected(_logger, remote?.ToString() ?? "?", view?.Instance ?? "not read", Result(receipt), detail, logged, label);
        }

        return receipt;
    }

    /// <summary>The <c>result</c> label of a receipt.</summary>
    public static string Result(PeerReceipt receipt) => receipt switch
    {
        PeerReceipt.Accepted => "accepted",
        PeerReceipt.RejectedMac => "rejected_mac",
        PeerReceipt.Replayed => "replayed",
        PeerReceipt.Malformed => "malformed",
        _ => "stale",
    };

    public async ValueTask DisposeAsync()
    {
        _monitor.OwnViewChanged -= Publish;
        await _heartbeat.DisposeAsync();
        await _stop.CancelAsync();
        foreach (var sender in _senders.Values)
        {
            sender.Latest.Writer.TryComplete();
            if (sender.Expiry is { } expiry)
            {
                await expiry.DisposeAsync();
            }
        }

        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _client.Dispose();
        _stop.Dispose();
    }

    private void Beat()
    {
        Publish();
        _monitor.Reevaluate();
    }

    /// <summary>Builds and signs the current view and hands it to every sender (each sends the newest it holds).</summary>
    private void Publish()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        (byte[] Body, string Mac) signed;
        lock (_buildLock)
        {
            signed = Build();
        }

        foreach (var sender in _senders.Values)
        {
            sender.Latest.Writer.TryWrite(signed);
        }
    }

    /// <summary>Call inside the build lock: sequence numbers then follow the order of the views' content.</summary>
    private (byte[] Body, string Mac) Build()
    {
        var now = _time.GetUtcNow();
        _sequence = PeerView.NextSequence(_sequence, now);
        var own = _monitor.OwnView();
        _aggregator.SetOwn(own);
        _current = PeerViewCodec.Encode(new PeerView(PeerView.CurrentVersion, Self, _sequence, now, own), _spec.Secret.Span);
        return _current;
    }

    private async Task SendLoopAsync(Sender sender)
    {
        var url = new Uri(new Uri(sender.Url), "v1/peer/view");
        try
        {
            await foreach (var (body, mac) in sender.Latest.Reader.ReadAllAsync(_stop.Token))
            {
                string? error = null;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    request.Headers.TryAddWithoutValidation(PeerViewCodec.MacHeader, mac);
                    using var response = await _client.SendAsync(request, _stop.Token);
                    if (!response.IsSuccessStatusCode)
                    {
                        error = $"POST {url} answered {(int)response.StatusCode} {response.ReasonPhrase}: {await ReadShortAsync(response)}";
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    error = e is OperationCanceledException ? $"POST {url} timed out after {FailoverStateMachine.Format(RequestTimeout)}" : $"POST {url}: {e.Message}";
                }

                var name = PeerAggregator.NameOf(sender.Url);
                if (error is null && sender.Reachable != true)
                {
                    PeerLog.Reachable(_logger, name);
                }
                else if (error is not null && sender.Reachable != false)
                {
                    PeerLog.Unreachable(_logger, name, error, FailoverStateMachine.Format(_aggregator.MaxAge));
                }

                sender.Reachable = error is null;
                _aggregator.Reached(sender.Url, error is null, error);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task<string> ReadShortAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(_stop.Token);
        text = text.Trim();
        return text.Length > 200 ? text[..200] : text;
    }

    /// <summary>One peer's sender: the newest signed view waiting to go (older ones are dropped), and its expiry timer.</summary>
    private sealed class Sender(string url)
    {
        public string Url { get; } = url;

        public Channel<(byte[] Body, string Mac)> Latest { get; } =
            Channel.CreateBounded<(byte[] Body, string Mac)>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public bool? Reachable { get; set; }

        public ITimer? Expiry { get; set; }
    }
}
