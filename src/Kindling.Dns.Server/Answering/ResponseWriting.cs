using Kindling.Dns.Server.Zones;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Server.Answering;

/// <summary>Writing RRsets into a response: negative answers, additional data, record-by-record truncation.</summary>
internal static partial class ResponseBuilder
{
    private static void Collect(RRset set, List<DomainName> additional)
    {
        if (set.Type is RecordType.NS or RecordType.MX or RecordType.SRV)
        {
            for (var r = 0; r < set.Records.Count; r++)
            {
                if (set.Records[r].AdditionalName is { } name && !name.IsRoot)
                {
                    additional.Add(name);
                }
            }
        }
    }

    // RFC 2308 §3: the zone's SOA in authority, with TTL min(SOA TTL, MINIMUM) as BIND sends it.
    private static void WriteNegative(ref DnsWriter w, ref Counts counts, Zone zone)
    {
        var soa = zone.SoaSet;
        WriteSet(ref w, ref counts.Authority, soa, soa.Owner.Wire, Math.Min(soa.Ttl, zone.Soa.Minimum));
    }

    private static void WriteAdditional(ZoneTable zones, ref DnsWriter w, ref Counts counts, List<DomainName> names)
    {
        Span<byte> lower = stackalloc byte[DomainName.MaxWireLength];
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            var duplicate = false;
            for (var j = 0; j < i && !duplicate; j++)
            {
                duplicate = names[j] == name;
            }

            if (duplicate)
            {
                continue;
            }

            var wire = name.Wire;
            wire.CopyTo(lower);
            DomainName.LowerInPlace(lower[..wire.Length]);
            var zone = zones.FindClosest(lower[..wire.Length]);
            var node = zone?.FindNode(lower[..wire.Length]);
            if (node is null)
            {
                continue;
            }

            foreach (var type in (ReadOnlySpan<RecordType>)[RecordType.A, RecordType.AAAA])
            {
                var set = zone!.Find(node, lower[..wire.Length], type);
                if (set is not null)
                {
                    if (!WriteSet(ref w, ref counts.Additional, set, set.Owner.Wire, truncates: false))
                    {
                        // RFC 2181 §9: additional data that does not fit is left out without setting TC.
                        return;
                    }
                }
            }
        }
    }

    // On overflow the records that fit stay (BIND fills a truncated UDP answer record by record) and TC is set; in the
    // additional section (truncates: false) nothing partial is kept and TC stays clear (RFC 2181 §9).
    private static bool WriteSet(ref DnsWriter w, ref int count, RRset set, scoped ReadOnlySpan<byte> owner, uint? ttl = null, bool truncates = true)
    {
        var setMark = w.Checkpoint();
        var written = 0;
        // Indexed, not foreach: enumerating an IReadOnlyList boxes its enumerator, one allocation per RRset written.
        for (var r = 0; r < set.Records.Count; r++)
        {
            var record = set.Records[r];
            var mark = w.Checkpoint();
            w.WriteName(owner);
            w.WriteUInt16((ushort)set.Type);
            w.WriteUInt16((ushort)RecordClass.IN);
            w.WriteUInt32(ttl ?? set.Ttl);
            var at = w.Position;
            w.WriteUInt16(0);
            record.Write(ref w, compress: true);
            if (w.Overflowed)
            {
                if (truncates)
                {
                    w.Rollback(mark);
                    w.MarkTruncated();
                    count += written;
                }
                else
                {
                    w.Rollback(setMark);
                }

                return false;
            }

            w.PatchUInt16(at, (ushort)(w.Position - at - 2));
            written++;
        }

        count += written;
        return true;
    }

    private static bool WriteCname(ref DnsWriter w, ref int count, scoped ReadOnlySpan<byte> owner, uint ttl, scoped ReadOnlySpan<byte> target)
    {
        var mark = w.Checkpoint();
        w.WriteName(owner);
        w.WriteUInt16((ushort)RecordType.CNAME);
        w.WriteUInt16((ushort)RecordClass.IN);
        w.WriteUInt32(ttl);
        var at = w.Position;
        w.WriteUInt16(0);
        w.WriteName(target);
        if (w.Overflowed)
        {
            w.Rollback(mark);
            w.MarkTruncated();
            return false;
        }

        w.PatchUInt16(at, (ushort)(w.Position - at - 2));
        count++;
        return true;
    }
}
