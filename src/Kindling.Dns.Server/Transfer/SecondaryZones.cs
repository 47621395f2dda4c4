using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Config;
using Kindling.Dns.Server.Zones;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server.Transfer;

/// <summary>
/// The secondary zones of named.conf (<c>type secondary; primaries { ... };</c>), each kept current by a
/// <see cref="SecondaryZone"/>; started with the listeners (transfers leave from the listening address) and matched to
/// named.conf again on reload. NOTIFY and UPDATE forwarding look zones up here, since a secondary zone not yet
/// transferred is not in the zone table.
/// </summary>
internal sealed class SecondaryZones(ZoneStore store, Func<NamedConf> conf, Func<AddressFamily, IPAddress?> source, ILogger logger, TimeProvider time)
    : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Dictionary<DomainName, SecondaryZone> _zones = [];

    public ZoneConfig? Find(DomainName origin)
    {
        lock (_gate)
        {
            return _zones.GetValueOrDefault(origin)?.Config;
        }
    }

    public SecondaryZone? Get(DomainName origin)
    {
        lock (_gate)
        {
            return _zones.GetValueOrDefault(origin);
        }
    }

    /// <summary>Starts refreshers for new secondary zones, stops those of zones gone, updates the others' settings.</summary>
    public void Sync(NamedConf config)
    {
        List<SecondaryZone> stopped;
        lock (_gate)
        {
            var wanted = config.Zones.Where(z => z.Kind == ZoneKind.Secondary).ToDictionary(z => z.Name);
            var next = new Dictionary<DomainName, SecondaryZone>();
            foreach (var (name, zc) in wanted)
            {
                if (_zones.TryGetValue(name, out var running))
                {
                    running.Config = zc;
                    running.Wake();
                }
                else
                {
                    running = new SecondaryZone(zc, store, conf, source, logger, time);
                    running.Start();
                }

                next[name] = running;
            }

            stopped = _zones.Where(z => !next.ContainsKey(z.Key)).Select(z => z.Value).ToList();
            _zones = next;
        }

        foreach (var zone in stopped)
        {
            _ = zone.DisposeAsync().AsTask();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<SecondaryZone> all;
        lock (_gate)
        {
            all = [.. _zones.Values];
            _zones = [];
        }

        foreach (var zone in all)
        {
            await zone.DisposeAsync();
        }
    }
}
