using Kindling.Dns.Config;
using Kindling.Dns.Records;
using Kindling.Dns.Zones;

namespace Kindling.Dns.Server.Zones;

/// <summary>
/// Collects records into a <see cref="Zone"/> and applies the checks BIND makes when it loads a primary zone: one SOA
/// at the apex, NS at the apex, no CNAME beside other data, in-zone NS targets with addresses; out-of-zone records
/// are dropped with a warning, duplicates merged. TTLs follow BIND: within one run of records with the same owner the
/// first TTL of a type wins ("TTL set to prior TTL"); a later run of the same RRset replaces its TTL.
/// </summary>
public sealed class ZoneBuilder(DomainName origin, ZoneConfig? config = null)
{
    private readonly Dictionary<byte[], Dictionary<RecordType, (uint Ttl, List<RecordData> Records, string Source)>> _names = new(LowerWireComparer.Instance);
    private readonly Dictionary<byte[], DomainName> _ownerCase = new(LowerWireComparer.Instance);
    private readonly Dictionary<RecordType, uint> _runTtls = [];
    private DomainName? _runOwner;

    public DomainName Origin { get; } = origin;

    public List<string> Warnings { get; } = [];

    /// <summary>The records held now (every record of every RRset, SOA included), as BIND counts for <c>max-records-in-zone</c>.</summary>
    public int RecordCount { get; private set; }

    public void Add(ResourceRecord record, string source = "")
    {
        if (!record.Name.IsSubdomainOf(Origin))
        {
            Warnings.Add($"{source}: ignoring out-of-zone data ({record.Name})");
            return;
        }

        var data = record.Data ?? throw new DnsFormatException($"{source}: record without data");
        if (_runOwner is not { } run || !run.EqualsExactly(record.Name))
        {
            _runOwner = record.Name;
            _runTtls.Clear();
        }

        var ttl = record.Ttl;
        if (_runTtls.TryGetValue(record.Type, out var prior))
        {
            if (prior != ttl)
            {
                Warnings.Add($"{source}: TTL set to prior TTL ({prior})");
                ttl = prior;
            }
        }
        else
        {
            _runTtls[record.Type] = ttl;
        }

        var key = record.Name.ToLowerWire();
        _ownerCase.TryAdd(key, record.Name);
        if (!_names.TryGetValue(key, out var types))
        {
            types = [];
            _names[key] = types;
        }

        if (!types.TryGetValue(record.Type, out var set))
        {
            set = (ttl, [], source);
        }

        set.Ttl = ttl;
        if (!set.Records.Any(r => r.CanonicalEquals(data)))
        {
            set.Records.Add(data);
            RecordCount++;
        }

        types[record.Type] = set;
    }

    /// <summary>Adds a record as UPDATE does (RFC 2136 §3.4.2.2): the RRset takes the new record's TTL.</summary>
    public bool AddForUpdate(ResourceRecord record)
    {
        _runOwner = null;
        _runTtls.Clear();
        var existing = Get(record.Name, record.Type);
        var had = existing?.Any(r => r.CanonicalEquals(record.Data!)) == true;
        var before = TtlOf(record.Name, record.Type);
        Add(record, "update");
        var key = record.Name.ToLowerWire();
        var set = _names[key][record.Type];
        set.Ttl = record.Ttl;
        _names[key][record.Type] = set;
        _runOwner = null;
        return !had || before != record.Ttl;
    }

    /// <summary>Removes records (UPDATE deletions); <paramref name="data"/> null removes the whole RRset, type ANY the whole name.</summary>
    public void Remove(DomainName name, RecordType type, RecordData? data)
    {
        var key = name.ToLowerWire();
        if (!_names.TryGetValue(key, out var types))
        {
            return;
        }

        if (type == RecordType.ANY)
        {
            RecordCount -= types.Values.Sum(s => s.Records.Count);
            _names.Remove(key);
            return;
        }

        if (!types.TryGetValue(type, out var set))
        {
            return;
        }

        if (data is null)
        {
            RecordCount -= set.Records.Count;
            types.Remove(type);
        }
        else
        {
            RecordCount -= set.Records.RemoveAll(r => r.CanonicalEquals(data));
            if (set.Records.Count == 0)
            {
                types.Remove(type);
            }
        }

        if (types.Count == 0)
        {
            _names.Remove(key);
        }
    }

    public static ZoneBuilder FromZone(Zone zone)
    {
        var builder = new ZoneBuilder(zone.Origin, zone.Config);
        foreach (var node in zone.Nodes.Values)
        {
            foreach (var set in node.Sets)
            {
                builder.AddSet(set);
            }
        }

        builder.Remove(zone.Origin, RecordType.SOA, null);
        builder.AddSet(zone.SoaSet);
        return builder;
    }

    private void AddSet(RRset set)
    {
        var key = set.Owner.ToLowerWire();
        _ownerCase.TryAdd(key, set.Owner);
        if (!_names.TryGetValue(key, out var types))
        {
            types = [];
            _names[key] = types;
        }

        types[set.Type] = (set.Ttl, [.. set.Records], "");
        RecordCount += set.Records.Count;
    }

    /// <summary>The records as they stand (for UPDATE prerequisite checks).</summary>
    public IReadOnlyList<RecordData>? Get(DomainName name, RecordType type) =>
        _names.TryGetValue(name.ToLowerWire(), out var types) && types.TryGetValue(type, out var set) ? set.Records : null;

    public bool NameExists(DomainName name) => _names.ContainsKey(name.ToLowerWire());

    public IEnumerable<RecordType> TypesAt(DomainName name) => _names.TryGetValue(name.ToLowerWire(), out var types) ? types.Keys : [];

    public uint? TtlOf(DomainName name, RecordType type) =>
        _names.TryGetValue(name.ToLowerWire(), out var types) && types.TryGetValue(type, out var set) ? set.Ttl : null;

    /// <summary>Checks the data and builds the immutable zone; throws <see cref="DnsFormatException"/> naming what is wrong.</summary>
    public Zone Build(string where)
    {
        CheckApex(where);
        foreach (var (key, types) in _names)
        {
            CheckName(_ownerCase[key], types);
        }

        var nodes = new Dictionary<byte[], ZoneNode>(_names.Count * 2, LowerWireComparer.Instance);
        foreach (var (key, types) in _names)
        {
            var owner = _ownerCase[key];
            var sets = types.Select(t => new RRset(owner, t.Key, t.Value.Ttl, t.Value.Records.ToArray())).ToArray();
            nodes[key] = new ZoneNode(owner, sets);
        }

        AddEmptyNonTerminals(nodes);
        return new Zone(Origin, nodes, config);
    }

    /// <summary>The apex must hold exactly one SOA and some NS records.</summary>
    private void CheckApex(string where)
    {
        var apexKey = Origin.ToLowerWire();
        if (!_names.TryGetValue(apexKey, out var apex) || !apex.TryGetValue(RecordType.SOA, out var soa))
        {
            throw new DnsFormatException($"{where}: zone {Origin} has no SOA record at its apex");
        }

        if (soa.Records.Count != 1)
        {
            throw new DnsFormatException($"{where}: zone {Origin} has {soa.Records.Count} SOA records (exactly one is allowed)");
        }

        if (!apex.ContainsKey(RecordType.NS))
        {
            throw new DnsFormatException($"{where}: zone {Origin} has no NS records at its apex");
        }
    }

    /// <summary>One name's data: a CNAME alone and single, at most one DNAME, and in-zone NS targets with addresses.</summary>
    private void CheckName(DomainName owner, Dictionary<RecordType, (uint Ttl, List<RecordData> Records, string Source)> types)
    {
        if (types.TryGetValue(RecordType.CNAME, out var cname))
        {
            if (types.Count > 1)
            {
                throw new DnsFormatException($"{cname.Source}: {owner} has CNAME and other data (RFC 1034 §3.6.2)");
            }

            if (cname.Records.Count > 1)
            {
                throw new DnsFormatException($"{cname.Source}: {owner} has more than one CNAME record");
            }
        }

        if (types.TryGetValue(RecordType.DNAME, out var dname) && dname.Records.Count > 1)
        {
            throw new DnsFormatException($"{dname.Source}: {owner} has more than one DNAME record");
        }

        if (types.TryGetValue(RecordType.NS, out var ns))
        {
            foreach (var target in ns.Records.Cast<NsRecord>().Select(r => r.Target).Where(t => t.IsSubdomainOf(Origin)))
            {
                var addresses = _names.TryGetValue(target.ToLowerWire(), out var t) && (t.ContainsKey(RecordType.A) || t.ContainsKey(RecordType.AAAA));
                if (!addresses)
                {
                    throw new DnsFormatException($"{ns.Source}: NS '{target}' of {owner} has no address records (A or AAAA)");
                }
            }
        }
    }

    /// <summary>Empty non-terminals: every name between a record's owner and the apex exists (RFC 8020), so a query for
    /// it is NODATA, not NXDOMAIN.</summary>
    private void AddEmptyNonTerminals(Dictionary<byte[], ZoneNode> nodes)
    {
        foreach (var node in nodes.Values.ToList())
        {
            for (var name = node.Name.Parent(); !name.IsRoot && name.IsSubdomainOf(Origin) && name != Origin; name = name.Parent())
            {
                if (!nodes.TryAdd(name.ToLowerWire(), new ZoneNode(name, [])))
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Loads a zone file the way BIND does for a primary zone. A file holding more than <paramref name="maxRecords"/>
    /// records (<c>max-records-in-zone</c>) is not loaded: <see cref="DnsFormatException"/> names the file, the count
    /// and the cap. Records past the cap are only counted (as read, duplicates not merged), never kept.
    /// </summary>
    public static (Zone Zone, IReadOnlyList<string> Warnings) Load(string path, DomainName origin, ZoneConfig? config = null, string? includeRoot = null,
        int maxRecords = int.MaxValue)
    {
        var builder = new ZoneBuilder(origin, config);
        using (var reader = new ZoneFileReader(path, origin, includeRoot))
        {
            while (reader.Next() is { } entry)
            {
                builder.Add(entry.Record, $"{entry.File}:{entry.Line}");
                if (builder.RecordCount > maxRecords)
                {
                    var count = (long)builder.RecordCount;
                    while (reader.Next() is not null)
                    {
                        count++;
                    }

                    throw new DnsFormatException($"{path}: zone {origin} has {count} records, more than its max-records-in-zone {maxRecords} "
                        + $"(passed at {entry.File}:{entry.Line}); the zone is not loaded: raise max-records-in-zone in named.conf or remove records");
                }
            }

            builder.Warnings.AddRange(reader.Warnings);
        }

        return (builder.Build(path), builder.Warnings);
    }
}
