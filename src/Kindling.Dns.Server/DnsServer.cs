using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kindling.Dns.Config;
using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Overlay;
using Kindling.Dns.Server.Transfer;
using Kindling.Dns.Server.Transport;
using Kindling.Dns.Server.Zones;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Dns.Server;

/// <summary>How to run a server: BIND's named.conf, optional listen addresses overriding its <c>listen-on</c>.</summary>
public sealed record DnsServerOptions(string NamedConfPath)
{
    public IReadOnlyList<IPEndPoint> Listen { get; init; } = [];

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>UDP threads per address (default: one per core).</summary>
    public int UdpThreads { get; init; }

    /// <summary>Open TCP connections allowed per client address (default <see cref="TcpLimits.MaxConnectionsPerClient"/>).</summary>
    public int? TcpClientsPerAddress { get; init; }

    /// <summary>Failover overrides (A/AAAA per name) kept by a health monitor; changes bump serials and notify secondaries.</summary>
    public IRecordOverlay? Overlay { get; init; }
}

/// <summary>
/// An authoritative DNS server configured by BIND's named.conf: loads the primary zones, listens on UDP and TCP, and
/// reloads (SIGHUP, <c>kindling dns reload</c>) by building a whole new zone table and swapping it in; if anything fails
/// to load, the old table keeps serving and the error is reported.
/// </summary>
public sealed class DnsServer : IDisposable
{
    private readonly DnsServerOptions _options;
    private readonly ILogger _logger;
    private readonly List<UdpListener> _udp = [];
    private readonly List<DnsTcpListener> _tcp = [];
    private readonly Lock _reloadLock = new();

    private readonly Notifier _notifier;
    private readonly SecondaryZones _secondaries;

    private DnsServer(DnsServerOptions options, NamedConf conf)
    {
        _options = options;
        _logger = options.LoggerFactory.CreateLogger("Kindling.Dns.Server");
        Config = conf;
        Answerer = new QueryAnswerer(new ZoneTable([]));
        Store = new ZoneStore(Answerer, _logger, options.Time);
        _secondaries = new SecondaryZones(Store, () => Config, SourceAddress, _logger, options.Time);
        Answerer.Special = new SpecialMessages(Answerer, Store, () => Config, _logger, options.Time) { Secondaries = _secondaries, Source = SourceAddress };
        _notifier = new Notifier(() => Config, SourceAddress, _logger, options.Time);
        Store.Committed += _notifier.Notify;
    }

    public NamedConf Config { get; private set; }

    public QueryAnswerer Answerer { get; }

    /// <summary>Where zones change (UPDATE, overlay) and are journaled.</summary>
    public ZoneStore Store { get; }

    public ZoneTable Zones => Answerer.Zones;

    /// <summary>Counters of the transport defences (TCP limits, the UDP special-message queue).</summary>
    public DnsMetrics Metrics { get; } = new();

    /// <summary>The TCP limits the listeners use: named.conf's <c>tcp-clients</c> and <c>tcp-idle-timeout</c>, the options' per-address cap.</summary>
    public TcpLimits TcpLimits
    {
        get
        {
            var defaults = new TcpLimits();
            return defaults with
            {
                MaxConnections = Config.TcpClients ?? defaults.MaxConnections,
                IdleTimeout = Config.TcpIdleTimeout ?? defaults.IdleTimeout,
                MaxConnectionsPerClient = _options.TcpClientsPerAddress ?? defaults.MaxConnectionsPerClient,
            };
        }
    }

    /// <summary>The UDP endpoints actually bound (ports resolved when 0 was asked for).</summary>
    public IReadOnlyList<IPEndPoint> Endpoints => _udp.Select(u => u.LocalEndPoint).ToList();

    /// <summary>Reads named.conf, every primary zone and its journal; throws <see cref="NamedConfException"/> or <see cref="DnsFormatException"/>.</summary>
    public static DnsServer Load(DnsServerOptions options)
    {
        var conf = NamedConf.Load(options.NamedConfPath);
        var server = new DnsServer(options, conf);
        var warnings = server.Store.LoadAndPublish(conf);
        var table = server.Zones;
        foreach (var ignored in conf.Ignored)
        {
            server._logger.LogInformation("ignored (not used by Kindling): {Statement}", ignored);
        }

        foreach (var warning in warnings)
        {
            server._logger.LogWarning("{Warning}", warning);
        }

        foreach (var zone in table.Zones)
        {
            server._logger.LogInformation("zone {Zone}: loaded serial {Serial} ({Nodes} names)", zone.Origin, zone.Serial, zone.NodeCount);
        }

        if (options.Overlay is RecordOverlay writable && writable.Current.Entries.Count == 0)
        {
            // A restart keeps the failover state the journal recorded until the monitor decides again.
            writable.Restore(server.Store.JournalOverlay);
        }

        if (options.Overlay is { } source)
        {
            server.Store.ApplyOverlay(source.Current, "overlay at start");
            source.Changed += snapshot => server.Store.ApplyOverlay(snapshot);
        }

        return server;
    }

    public void Start()
    {
        foreach (var endpoint in ListenEndpoints())
        {
            var udp = new UdpListener(endpoint, Answerer, _logger, _options.UdpThreads, Metrics);
            var tcp = new DnsTcpListener(new IPEndPoint(endpoint.Address, udp.LocalEndPoint.Port), Answerer, _logger, TcpLimits, Metrics, _options.Time);
            _udp.Add(udp);
            _tcp.Add(tcp);
            udp.Start();
            tcp.Start();
            _logger.LogInformation("listening on {EndPoint} (UDP and TCP)", udp.LocalEndPoint);
        }

        // Like BIND after loading: tell the secondaries (also-notify only) the current serials, and refresh the
        // secondary zones from their primaries.
        foreach (var zone in Zones.Zones)
        {
            _notifier.Notify(zone);
        }

        _secondaries.Sync(Config);
    }

    private IPAddress? SourceAddress(AddressFamily family) =>
        _udp.Select(u => u.LocalEndPoint.Address).FirstOrDefault(a => a.AddressFamily == family && !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any));

    /// <summary>Re-reads named.conf and the zones; on success the new zones answer from the next query on.</summary>
    public bool Reload(out string message)
    {
        lock (_reloadLock)
        {
            try
            {
                var conf = NamedConf.Load(_options.NamedConfPath);
                var warnings = Store.LoadAndPublish(conf);
                foreach (var warning in warnings)
                {
                    _logger.LogWarning("{Warning}", warning);
                }

                Config = conf;
                _secondaries.Sync(conf);
                if (_options.Overlay is { } source)
                {
                    Store.ApplyOverlay(source.Current, "overlay after reload");
                }

                foreach (var zone in Zones.Zones)
                {
                    _notifier.Notify(zone);
                }

                message = "reloaded: " + string.Join(", ", Zones.Zones.Select(z => $"{z.Origin} serial {z.Serial}"));
                _logger.LogInformation("{Message}", message);
                return true;
            }
            catch (Exception e) when (e is DnsFormatException or NamedConfException or IOException)
            {
                message = $"reload failed, still serving the previous zones: {e.Message}";
                _logger.LogError("{Message}", message);
                return false;
            }
        }
    }

    private List<IPEndPoint> ListenEndpoints()
    {
        if (_options.Listen.Count > 0)
        {
            return [.. _options.Listen];
        }

        var endpoints = new List<IPEndPoint>();
        var v4 = Config.ListenOn.Count > 0 ? Config.ListenOn : [new ListenOn(53, [IPAddress.Any])];
        var v6 = Config.ListenOnV6.Count > 0 ? Config.ListenOnV6 : [new ListenOn(53, [IPAddress.IPv6Any])];
        foreach (var listen in v4.Concat(v6))
        {
            foreach (var address in listen.Addresses)
            {
                // Like BIND, listen on each interface address rather than the wildcard, so replies leave from the
                // address the client asked.
                var addresses = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? InterfaceAddresses(address.AddressFamily) : [address];
                endpoints.AddRange(addresses.Select(a => new IPEndPoint(a, listen.Port)));
            }
        }

        return endpoints.DistinctBy(e => e.ToString()).ToList();
    }

    private static IEnumerable<IPAddress> InterfaceAddresses(AddressFamily family) =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => u.Address))
            .Where(a => a.AddressFamily == family && !(a.IsIPv6LinkLocal || a.IsIPv6Multicast));

    public void Dispose()
    {
        Store.Committed -= _notifier.Notify;
        _notifier.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _secondaries.DisposeAsync().AsTask().GetAwaiter().GetResult();
        foreach (var udp in _udp)
        {
            udp.Dispose();
        }

        foreach (var tcp in _tcp)
        {
            tcp.Dispose();
        }
    }
}
