using Kindling.Dns.Config;
using Kindling.Dns.Records;

namespace Kindling.Dns.Server.Zones;

/// <summary>
/// One version of an authoritative zone: immutable once built, replaced as a whole (reload, UPDATE, overlay change)
/// and published by swapping a reference, so queries never lock. Names are keyed by their lowered wire form and
/// looked up by span without allocating. <see cref="Overrides"/> holds the failover overlay's A/AAAA RRsets, which
/// take precedence over the zone file's for the same name.
/// </summary>
public sealed class Zone
{
    private readonly Dictionary<byte[], ZoneNode>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly Dictionary<byte[], RRset[]>.AlternateLookup<ReadOnlySpan<byte>> _overrideLookup;

    internal Zone(DomainName origin, Dictionary<byte[], ZoneNode> nodes, ZoneConfig? config, Dictionary<byte[], RRset[]>? overrides = null, RRset? soa = null)
    {
        Origin = origin;
        OriginKey = origin.ToLowerWire();
        Nodes = nodes;
        Config = config;
        _lookup = nodes.GetAlternateLookup<ReadOnlySpan<byte>>();
        Overrides = overrides ?? new Dictionary<byte[], RRset[]>(LowerWireComparer.Instance);
        _overrideLookup = Overrides.GetAlternateLookup<ReadOnlySpan<byte>>();
        var apex = nodes[OriginKey];
        SoaSet = soa ?? apex.Find(RecordType.SOA)!;
        Soa = (SoaRecord)SoaSet.Records[0];
        ApexNs = apex.Find(RecordType.NS)!;
        foreach (var node in nodes.Values)
        {
            HasCuts |= node.Find(RecordType.NS) is not null && !ReferenceEquals(node, apex);
            HasDnames |= node.Find(RecordType.DNAME) is not null;
        }
    }

    public DomainName Origin { get; }

    public byte[] OriginKey { get; }

    public ZoneConfig? Config { get; }

    public SoaRecord Soa { get; }

    public uint Serial => Soa.Serial;

    public RRset SoaSet { get; }

    public RRset ApexNs { get; }

    /// <summary>Whether any node below the apex holds NS (a zone cut), so lookups must look for referrals.</summary>
    public bool HasCuts { get; }

    public bool HasDnames { get; }

    internal Dictionary<byte[], ZoneNode> Nodes { get; }

    internal Dictionary<byte[], RRset[]> Overrides { get; }

    public int NodeCount => Nodes.Count;

    public ZoneNode? FindNode(ReadOnlySpan<byte> lowerWire) => _lookup.TryGetValue(lowerWire, out var node) ? node : null;

    public ZoneNode? FindNode(DomainName name) => FindNode(name.ToLowerWire());

    /// <summary>The RRset of a type at a node, with the overlay's A/AAAA taking precedence and the SOA carrying the current serial.</summary>
    public RRset? Find(ZoneNode node, ReadOnlySpan<byte> lowerWire, RecordType type)
    {
        if (Overrides.Count > 0 && type is RecordType.A or RecordType.AAAA && _overrideLookup.TryGetValue(lowerWire, out var sets))
        {
            foreach (var set in sets)
            {
                if (set.Type == type)
                {
                    return set.Records.Count > 0 ? set : null;
                }
            }
        }

        return type == RecordType.SOA && lowerWire.Length == OriginKey.Length ? SoaSet : node.Find(type);
    }

    /// <summary>Every RRset of a node as served (overlay applied), for ANY and zone transfers.</summary>
    public IEnumerable<RRset> SetsOf(ZoneNode node)
    {
        var key = node.Name.ToLowerWire();
        foreach (var set in node.Sets)
        {
            var served = Find(node, key, set.Type);
            if (served is not null)
            {
                yield return served;
            }
        }

        if (Overrides.TryGetValue(key, out var overrides))
        {
            foreach (var set in overrides)
            {
                if (node.Find(set.Type) is null && set.Records.Count > 0)
                {
                    yield return set;
                }
            }
        }
    }

    /// <summary>All RRsets of the zone as served, SOA first (the order of an AXFR body, RFC 5936 §2.2).</summary>
    public IEnumerable<RRset> AllSets()
    {
        yield return SoaSet;
        foreach (var node in Nodes.Values.OrderBy(n => n.Name))
        {
            foreach (var set in SetsOf(node))
            {
                if (set.Type != RecordType.SOA)
                {
                    yield return set;
                }
            }
        }
    }

    /// <summary>A new version with another SOA serial and overlay (the node data is shared).</summary>
    internal Zone With(uint serial, Dictionary<byte[], RRset[]> overrides)
    {
        var nodes = Nodes;
        foreach (var (key, sets) in overrides)
        {
            if (!nodes.ContainsKey(key) && sets.Length > 0)
            {
                // An overlay name the zone file lacks still needs a node (and its empty non-terminals) to be found.
                if (ReferenceEquals(nodes, Nodes))
                {
                    nodes = new Dictionary<byte[], ZoneNode>(Nodes, LowerWireComparer.Instance);
                }

                for (var name = sets[0].Owner; name.IsSubdomainOf(Origin) && nodes.TryAdd(name.ToLowerWire(), new ZoneNode(name, [])); name = name.Parent())
                {
                }
            }
        }

        return new(Origin, nodes, Config, overrides, new RRset(Origin, RecordType.SOA, SoaSet.Ttl, [Soa.WithSerial(serial)]));
    }

    public override string ToString() => $"{Origin} serial {Serial}";
}
