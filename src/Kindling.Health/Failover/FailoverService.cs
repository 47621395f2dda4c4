using System.Net;
using Kindling.Dns;
using Kindling.Health.Observability;
using Kindling.Health.Peers;
using Microsoft.Extensions.Logging;

namespace Kindling.Health.Failover;

/// <summary>Where a <see cref="FailoverService"/> keeps its state and serves its status.</summary>
public sealed record FailoverServiceOptions
{
    /// <summary>The state file; null uses <see cref="FailoverService.DefaultStatePath"/>.</summary>
    public string? StatePath { get; init; }

    /// <summary>Where to serve <c>/metrics</c> and <c>/status</c>; null serves nothing.</summary>
    public IPEndPoint? StatusEndpoint { get; init; }

    /// <summary>More Prometheus text for <c>/metrics</c> (e.g. the DNS server's counters).</summary>
    public Func<string>? ExtraMetrics { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The side each record answers with at start, overriding the state file (see <see cref="FailoverMonitorOptions.InitialActive"/>).</summary>
    public IReadOnlyDictionary<DomainName, Side>? InitialActive { get; init; }
}

/// <summary>
/// Everything a process runs for its failover file: the monitor (started at once), the state file, the
/// webhook and the status endpoint. <c>kindling dns serve --failover</c> and <c>kindling failover</c> use it.
/// </summary>
public sealed class FailoverService : IAsyncDisposable
{
    private readonly TransitionWebhook? _webhook;
    private readonly StatusEndpoint? _endpoint;

    private FailoverService(FailoverMonitor monitor, FailoverStateFile state, TransitionWebhook? webhook, StatusEndpoint? endpoint, PeerMesh? peers)
    {
        Monitor = monitor;
        State = state;
        _webhook = webhook;
        _endpoint = endpoint;
        Peers = peers;
    }

    /// <summary>The exchange of views with the other instances (the file's <c>peers:</c>); null when it has none.</summary>
    public PeerMesh? Peers { get; }

    public FailoverMonitor Monitor { get; }

    public FailoverStateFile State { get; }

    public Uri? StatusUrl => _endpoint?.Url;

    /// <summary><c>failover.yaml</c> keeps its state beside it in <c>failover.state.json</c>.</summary>
    public static string DefaultStatePath(string failoverFile) => Path.ChangeExtension(Path.GetFullPath(failoverFile), ".state.json");

    /// <summary>
    /// Builds the monitor from the file (restoring the saved state) without starting the probes, so a caller
    /// can subscribe to transitions first; then call <see cref="Start"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The state file cannot be read, or the file has <c>peers:</c> and this instance is not one of them (or has no --http).</exception>
    public static FailoverService Create(FailoverFile file, FailoverServiceOptions options)
    {
        var logger = options.LoggerFactory.CreateLogger("kindling.failover");
        var state = new FailoverStateFile(options.StatePath ?? DefaultStatePath(file.Path));
        PeerAggregator? aggregator = null;
        var interval = file.Records.Count == 0 ? TimeSpan.FromSeconds(1) : file.Records.Min(r => r.Timings.Interval);
        if (file.Peers is { } spec)
        {
            var self = PeerMesh.ResolveSelf(spec, options.StatusEndpoint, file.Path);
            aggregator = new PeerAggregator(options.Time, self, spec.Urls.Select(u => u.ToString()), PeerAggregator.MaxAgeFor(interval));
        }

        var monitor = new FailoverMonitor(file.Records, new FailoverMonitorOptions { Time = options.Time, Logger = logger, State = state, InitialActive = options.InitialActive, Peers = aggregator });
        var peers = aggregator is null ? null : new PeerMesh(file.Peers!, aggregator, monitor, interval, options.Time, options.LoggerFactory.CreateLogger("kindling.peers"));
        TransitionWebhook? webhook = null;
        if (file.Webhook is { } url)
        {
            webhook = new TransitionWebhook(url, logger);
            webhook.Attach(monitor);
        }

        var endpoint = options.StatusEndpoint is { } at ? new StatusEndpoint(at, monitor, options.ExtraMetrics, peers) : null;
        return new FailoverService(monitor, state, webhook, endpoint, peers);
    }

    /// <summary>Starts every probe now (boot), not at the first query, and the exchange of views with the peers.</summary>
    public void Start()
    {
        Monitor.Start();
        Peers?.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (_endpoint is not null)
        {
            await _endpoint.DisposeAsync();
        }

        if (Peers is not null)
        {
            await Peers.DisposeAsync();
        }

        await Monitor.DisposeAsync();
        if (_webhook is not null)
        {
            await _webhook.DisposeAsync();
        }
    }
}
