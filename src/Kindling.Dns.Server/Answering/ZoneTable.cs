using Kindling.Dns.Server.Zones;

namespace Kindling.Dns.Server.Answering;

/// <summary>The zones a server is authoritative for, found by the longest matching origin (RFC 1034 §4.3.2 step 2).</summary>
public sealed class ZoneTable
{
    private readonly Dictionary<byte[], Zone> _zones;
    private readonly Dictionary<byte[], Zone>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public ZoneTable(IEnumerable<Zone> zones)
    {
        _zones = new Dictionary<byte[], Zone>(LowerWireComparer.Instance);
        foreach (var zone in zones)
        {
            _zones[zone.OriginKey] = zone;
        }

        _lookup = _zones.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public IReadOnlyCollection<Zone> Zones => _zones.Values;

    public Zone? Get(DomainName origin) => _zones.TryGetValue(origin.ToLowerWire(), out var zone) ? zone : null;

    /// <summary>The zone whose origin is the longest suffix of the lowered wire name, or null.</summary>
    public Zone? FindClosest(ReadOnlySpan<byte> lowerName)
    {
        var offset = 0;
        while (true)
        {
            if (_lookup.TryGetValue(lowerName[offset..], out var zone))
            {
                return zone;
            }

            if (lowerName[offset] == 0)
            {
                return null;
            }

            offset += lowerName[offset] + 1;
        }
    }

    /// <summary>A table with one zone replaced (or added).</summary>
    public ZoneTable With(Zone zone) => new(_zones.Values.Where(z => !z.OriginKey.AsSpan().SequenceEqual(zone.OriginKey)).Append(zone));

    /// <summary>A table without the zone at <paramref name="origin"/> (a secondary zone that expired).</summary>
    public ZoneTable Without(DomainName origin) => new(_zones.Values.Where(z => z.Origin != origin));
}
