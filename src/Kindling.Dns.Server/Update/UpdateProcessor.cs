using Kindling.Dns.Config;
using Kindling.Dns.Records;
using Kindling.Dns.Server.Zones;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server.Update;

/// <summary>
/// RFC 2136 dynamic UPDATE against a primary zone: zone section check (§3.1), permission by <c>allow-update</c>
/// (address and TSIG key), prerequisites (§3.2), update prescan (§3.4.1) and application (§3.4.2). The change is
/// journaled by <see cref="ZoneStore"/> before the answer is sent. An update whose result would hold more than the
/// zone's <c>max-records-in-zone</c> is refused and changes nothing (as BIND).
/// </summary>
internal sealed class UpdateProcessor(ZoneStore store, NamedConf conf, ILogger logger)
{
    public ResponseCode Process(DnsMessage request, Requester requester)
    {
        if (request.Questions.Count != 1 || request.Questions[0].Type != RecordType.SOA || request.Questions[0].Class != RecordClass.IN)
        {
            return ResponseCode.FormErr;
        }

        var origin = request.Questions[0].Name;
        var zone = store.Zones.Get(origin);
        if (zone is null || zone.Config?.Kind != ZoneKind.Primary)
        {
            return ResponseCode.NotAuth;
        }

        var allow = zone.Config.AllowUpdate ?? conf.AllowUpdate;
        if (!allow.Allows(requester, conf))
        {
            return ResponseCode.Refused;
        }

        foreach (var r in request.Answers.Concat(request.Authority))
        {
            if (!r.Name.IsSubdomainOf(origin))
            {
                return ResponseCode.NotZone;
            }
        }

        var reason = $"update{(requester.Key is { } key ? $" key {key}" : "")} from {requester.Address}";
        return store.Change(origin, reason, (current, builder, deleted, added) =>
        {
            var prerequisites = CheckPrerequisites(request.Answers, builder);
            if (prerequisites != ResponseCode.NoError)
            {
                return prerequisites;
            }

            var prescan = Prescan(request.Authority);
            if (prescan != ResponseCode.NoError)
            {
                return prescan;
            }

            foreach (var r in request.Authority)
            {
                Apply(r, current, builder, deleted, added);
            }

            var cap = conf.MaxRecordsFor(zone.Config);
            if (builder.RecordCount > cap)
            {
                logger.LogWarning("UPDATE {Zone} {Reason} refused: the zone would hold {Count} records, over its max-records-in-zone {Cap}; nothing changed",
                    origin, reason, builder.RecordCount, cap);
                return ResponseCode.Refused;
            }

            return ResponseCode.NoError;
        });
    }

    // RFC 2136 §3.2.
    private static ResponseCode CheckPrerequisites(List<ResourceRecord> prerequisites, ZoneBuilder zone)
    {
        var valueDependent = new Dictionary<(DomainName, RecordType), List<RecordData>>();
        foreach (var p in prerequisites)
        {
            var code = CheckPrerequisite(p, zone, valueDependent);
            if (code != ResponseCode.NoError)
            {
                return code;
            }
        }

        return ValueDependentSetsMatch(valueDependent, zone) ? ResponseCode.NoError : ResponseCode.NXRRSet;
    }

    /// <summary>Checks one prerequisite (RFC 2136 §3.2.1-3.2.4); a value-dependent one (class IN, §3.2.3) is only
    /// collected into <paramref name="valueDependent"/>, to be compared as whole sets afterwards.</summary>
    private static ResponseCode CheckPrerequisite(ResourceRecord p, ZoneBuilder zone, Dictionary<(DomainName, RecordType), List<RecordData>> valueDependent)
    {
        if (p.Ttl != 0)
        {
            return ResponseCode.FormErr;
        }

        switch (p.Class)
        {
            case RecordClass.ANY when p.Data is not null:
                return ResponseCode.FormErr;
            case RecordClass.ANY when p.Type == RecordType.ANY:
                return zone.NameExists(p.Name) ? ResponseCode.NoError : ResponseCode.NXDomain;
            case RecordClass.ANY:
                return zone.Get(p.Name, p.Type) is { Count: > 0 } ? ResponseCode.NoError : ResponseCode.NXRRSet;
            case RecordClass.NONE when p.Data is not null:
                return ResponseCode.FormErr;
            case RecordClass.NONE when p.Type == RecordType.ANY:
                return zone.NameExists(p.Name) ? ResponseCode.YXDomain : ResponseCode.NoError;
            case RecordClass.NONE:
                return zone.Get(p.Name, p.Type) is { Count: > 0 } ? ResponseCode.YXRRSet : ResponseCode.NoError;
            case RecordClass.IN when p.Data is not null:
                var key = (p.Name, p.Type);
                if (!valueDependent.TryGetValue(key, out var list))
                {
                    valueDependent[key] = list = [];
                }

                list.Add(p.Data);
                return ResponseCode.NoError;
            default:
                return ResponseCode.FormErr;
        }
    }

    /// <summary>RFC 2136 §3.2.3: each collected RRset must equal the zone's RRset exactly.</summary>
    private static bool ValueDependentSetsMatch(Dictionary<(DomainName, RecordType), List<RecordData>> valueDependent, ZoneBuilder zone)
    {
        foreach (var ((name, type), expected) in valueDependent)
        {
            var actual = zone.Get(name, type) ?? [];
            var same = actual.Count == expected.DistinctBy(e => e.ToString().ToLowerInvariant()).Count()
                && expected.All(e => actual.Any(a => a.CanonicalEquals(e)));
            if (!same)
            {
                return false;
            }
        }

        return true;
    }

    // RFC 2136 §3.4.1.
    private static ResponseCode Prescan(List<ResourceRecord> updates)
    {
        foreach (var u in updates)
        {
            var meta = u.Type is RecordType.ANY or RecordType.AXFR or RecordType.IXFR or RecordType.MAILA or RecordType.MAILB or RecordType.OPT or RecordType.TSIG;
            var ok = u.Class switch
            {
                RecordClass.IN => !meta && u.Data is not null,
                RecordClass.ANY => u.Ttl == 0 && u.Data is null && (u.Type == RecordType.ANY || !meta),
                RecordClass.NONE => u.Ttl == 0 && !meta && u.Data is not null,
                _ => false,
            };
            if (!ok)
            {
                return ResponseCode.FormErr;
            }
        }

        return ResponseCode.NoError;
    }

    // RFC 2136 §3.4.2.
    private static void Apply(ResourceRecord u, Zone zone, ZoneBuilder builder, List<ResourceRecord> deleted, List<ResourceRecord> added)
    {
        var apex = u.Name == zone.Origin;
        switch (u.Class)
        {
            case RecordClass.IN:
                AddRecord(u, zone, apex, builder, deleted, added);
                break;
            case RecordClass.ANY:
                DeleteRRsets(u, apex, builder, deleted);
                break;
            case RecordClass.NONE:
                DeleteRecord(u, apex, builder, deleted);
                break;
        }
    }

    /// <summary>§3.4.2.2: adds the record, unless CNAME and other data would coexist or an SOA is not newer; a CNAME
    /// replaces the name's CNAME.</summary>
    private static void AddRecord(ResourceRecord u, Zone zone, bool apex, ZoneBuilder builder, List<ResourceRecord> deleted, List<ResourceRecord> added)
    {
        var types = builder.TypesAt(u.Name).ToList();
        if (u.Type == RecordType.CNAME ? types.Any(t => t != RecordType.CNAME) : types.Contains(RecordType.CNAME))
        {
            return; // CNAME and other data cannot coexist: ignored, as §3.4.2.2 says
        }

        if (u.Type == RecordType.SOA)
        {
            if (!apex || u.Data is not SoaRecord soa || !SerialNumber.IsGreater(soa.Serial, zone.Serial))
            {
                return;
            }

            builder.Remove(u.Name, RecordType.SOA, null);
        }

        if (u.Type == RecordType.CNAME)
        {
            foreach (var old in builder.Get(u.Name, RecordType.CNAME) ?? [])
            {
                deleted.Add(new ResourceRecord(u.Name, builder.TtlOf(u.Name, RecordType.CNAME) ?? 0, old));
            }

            builder.Remove(u.Name, RecordType.CNAME, null);
        }

        if (builder.AddForUpdate(u with { Class = RecordClass.IN }))
        {
            added.Add(u);
        }
    }

    /// <summary>§3.4.2.3: deletes the RRset of the type (or every RRset of the name for ANY), keeping the apex SOA and
    /// NS.</summary>
    private static void DeleteRRsets(ResourceRecord u, bool apex, ZoneBuilder builder, List<ResourceRecord> deleted)
    {
        foreach (var type in u.Type == RecordType.ANY ? builder.TypesAt(u.Name).ToList() : [u.Type])
        {
            if (apex && type is RecordType.SOA or RecordType.NS)
            {
                continue;
            }

            var ttl = builder.TtlOf(u.Name, type) ?? 0;
            foreach (var old in builder.Get(u.Name, type)?.ToList() ?? [])
            {
                deleted.Add(new ResourceRecord(u.Name, ttl, old));
            }

            builder.Remove(u.Name, type, null);
        }
    }

    /// <summary>§3.4.2.4: deletes one record, never the SOA nor the apex's last NS.</summary>
    private static void DeleteRecord(ResourceRecord u, bool apex, ZoneBuilder builder, List<ResourceRecord> deleted)
    {
        if (u.Type == RecordType.SOA || (apex && u.Type == RecordType.NS && builder.Get(u.Name, RecordType.NS) is { Count: <= 1 }))
        {
            return;
        }

        var existing = builder.Get(u.Name, u.Type)?.FirstOrDefault(r => r.CanonicalEquals(u.Data!));
        if (existing is not null)
        {
            deleted.Add(new ResourceRecord(u.Name, builder.TtlOf(u.Name, u.Type) ?? 0, existing));
            builder.Remove(u.Name, u.Type, u.Data);
        }
    }
}
