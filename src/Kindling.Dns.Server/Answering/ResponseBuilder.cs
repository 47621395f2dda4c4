using Kindling.Dns.Records;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Server.Answering;

/// <summary>
/// Answers one standard query from the zones, writing the response straight into a span (RFC 1034 §4.3.2 with
/// RFC 2308 negative answers, RFC 4592 wildcards, RFC 6672 DNAME, RFC 6604 rcodes along CNAME chains). Mirrors BIND
/// 9.18's defaults: owner names in the zone's case, <c>minimal-responses no-auth-recursive</c> (NS in authority only
/// for queries without RD), additional A/AAAA for NS, MX and SRV targets, whole RRsets dropped from the end with TC
/// set when a response does not fit.
/// </summary>
internal static partial class ResponseBuilder
{
    public const ushort ServerUdpPayload = EdnsDefaults.UdpPayloadSize;
    private const int MaxChain = 16;

    [ThreadStatic]
    private static List<DomainName>? t_additional;

    public static int Build(ZoneTable zones, in ParsedQuery q, ReadOnlySpan<byte> originalName, ReadOnlySpan<byte> lowerName, Span<byte> output,
        int limit, bool compressAgainstQuestion)
    {
        Span<ushort> table = stackalloc ushort[128];
        var w = new DnsWriter(output[..Math.Min(limit, output.Length)], table);
        w.Limit = w.Buffer.Length - (q.HasEdns ? EdnsDefaults.OptRecordLength : 0);
        w.WriteUInt16(q.Id);
        w.WriteUInt16(0);
        w.WriteUInt16(1);
        w.WriteUInt16(0);
        w.WriteUInt16(0);
        w.WriteUInt16(0);
        w.WriteName(originalName, compress: false);
        if (!compressAgainstQuestion)
        {
            w = Reopen(w, output, limit, q.HasEdns, table);
        }

        w.WriteUInt16((ushort)q.Type);
        w.WriteUInt16((ushort)q.Class);

        var afterQuestion = w.Checkpoint();
        var counts = new Counts();
        var rcode = ResponseCode.NoError;
        var aa = false;
        var additional = t_additional ??= [];
        additional.Clear();
        var zone = q.Class == RecordClass.IN ? zones.FindClosest(lowerName) : null;
        if (q.Type is RecordType.MAILA or RecordType.MAILB)
        {
            rcode = ResponseCode.NotImp; // as BIND: obsolete meta-types (RFC 883) are not implemented
        }
        else if (zone is null)
        {
            rcode = ResponseCode.Refused;
        }
        else if (q.Type is RecordType.AXFR or RecordType.IXFR)
        {
            rcode = ResponseCode.NotAuth; // zone transfers only over TCP; BIND answers NOTAUTH over UDP
        }
        else if (q.Type is RecordType.OPT or RecordType.TSIG or RecordType.TKEY)
        {
            rcode = ResponseCode.FormErr;
        }
        else
        {
            aa = true;
            Resolve(zones, zone, q, originalName, lowerName, ref w, ref counts, ref rcode, ref aa, additional);
            if (w.Truncated && q.HasEdns)
            {
                // BIND sends EDNS clients an empty truncated answer (they retry over TCP); without EDNS it keeps
                // the records that fit.
                w.Rollback(afterQuestion);
                counts = default;
            }
        }

        return Finish(ref w, q, rcode, aa, counts);
    }

    // Restarts writing after the question so that answer names are not compressed against it: a cached response
    // can then carry any question case (patched in place) without changing the case of the answers.
    private static DnsWriter Reopen(DnsWriter w, Span<byte> output, int limit, bool edns, Span<ushort> table)
    {
        var position = w.Position;
        var fresh = new DnsWriter(output[..Math.Min(limit, output.Length)], table);
        fresh.Limit = fresh.Buffer.Length - (edns ? EdnsDefaults.OptRecordLength : 0);
        fresh.WriteBytes(output[..position]);
        return fresh;
    }

    private static void Resolve(ZoneTable zones, Zone zone, in ParsedQuery q, ReadOnlySpan<byte> originalName, ReadOnlySpan<byte> lowerName,
        ref DnsWriter w, ref Counts counts, ref ResponseCode rcode, ref bool aa, List<DomainName> additional)
    {
        Span<byte> current = stackalloc byte[DomainName.MaxWireLength];
        Span<byte> currentLower = stackalloc byte[DomainName.MaxWireLength];
        Span<int> visited = stackalloc int[MaxChain];
        Span<int> visitedLength = stackalloc int[MaxChain];
        Span<byte> visitedNames = stackalloc byte[MaxChain * DomainName.MaxWireLength];
        Span<byte> synthesized = stackalloc byte[DomainName.MaxWireLength];
        Span<byte> wildcardKey = stackalloc byte[DomainName.MaxWireLength];
        originalName.CopyTo(current);
        lowerName.CopyTo(currentLower);
        var length = lowerName.Length;
        var positive = false;
        for (var hop = 0; hop < MaxChain; hop++)
        {
            var name = currentLower[..length];
            visited[hop] = LowerWireComparer.Hash(name);
            visitedLength[hop] = name.Length;
            name.CopyTo(visitedNames[(hop * DomainName.MaxWireLength)..]);
            for (var v = 0; v < hop; v++)
            {
                // The hash only filters: a loop is the same name seen again (two names may share a 32-bit hash).
                if (visited[v] == visited[hop] && visitedNames.Slice(v * DomainName.MaxWireLength, visitedLength[v]).SequenceEqual(name))
                {
                    rcode = ResponseCode.ServFail; // a CNAME loop: BIND answers SERVFAIL with the chain so far
                    return;
                }
            }

            if (hop > 0)
            {
                // Like BIND without recursion, a chain is followed only while it stays in the zone it started in.
                if (!ReferenceEquals(zones.FindClosest(name), zone))
                {
                    goto done;
                }
            }

            var kind = ZoneLookup.Find(zone, name, q.Type, out var node);
            switch (kind)
            {
                case LookupKind.Referral:
                    if (hop == 0)
                    {
                        aa = false;
                    }

                    var ns = node!.Find(RecordType.NS)!;
                    if (!WriteSet(ref w, ref counts.Authority, ns, ns.Owner.Wire))
                    {
                        return;
                    }

                    for (var r = 0; r < ns.Records.Count; r++)
                    {
                        additional.Add(((NsRecord)ns.Records[r]).Target);
                    }

                    WriteAdditional(zones, ref w, ref counts, additional);
                    return;

                case LookupKind.Dname:
                    var dnameSet = node!.Find(RecordType.DNAME)!;
                    if (!WriteSet(ref w, ref counts.Answer, dnameSet, dnameSet.Owner.Wire))
                    {
                        return;
                    }

                    var target = ((DnameRecord)dnameSet.Records[0]).Target;
                    var prefix = length - node.Name.WireLength;
                    if (prefix + target.WireLength > DomainName.MaxWireLength)
                    {
                        rcode = ResponseCode.YXDomain;
                        return;
                    }

                    current[..prefix].CopyTo(synthesized);
                    target.Wire.CopyTo(synthesized[prefix..]);
                    var newLength = prefix + target.WireLength;
                    if (!WriteCname(ref w, ref counts.Answer, current[..length], dnameSet.Ttl, synthesized[..newLength]))
                    {
                        return;
                    }

                    synthesized[..newLength].CopyTo(current);
                    length = newLength;
                    current[..length].CopyTo(currentLower);
                    DomainName.LowerInPlace(currentLower[..length]);
                    positive = true;
                    continue;

                case LookupKind.NxDomain:
                    rcode = ResponseCode.NXDomain;
                    WriteNegative(ref w, ref counts, zone);
                    return;
            }

            // Exact or wildcard: the owner is the node's name, or for a wildcard the name asked for.
            ReadOnlySpan<byte> owner = kind == LookupKind.Wildcard ? current[..length] : node!.Name.Wire;
            var key = name;
            if (kind == LookupKind.Wildcard)
            {
                var wire = node!.Name.Wire;
                wire.CopyTo(wildcardKey);
                key = wildcardKey[..wire.Length];
                DomainName.LowerInPlace(wildcardKey[..wire.Length]);
            }

            if (q.Type == RecordType.ANY)
            {
                var any = false;
                foreach (var set in zone.SetsOf(node!))
                {
                    any = true;
                    if (!WriteSet(ref w, ref counts.Answer, set, owner))
                    {
                        return;
                    }

                    Collect(set, additional);
                }

                if (!any)
                {
                    WriteNegative(ref w, ref counts, zone);
                    return;
                }

                positive = true;
                goto done;
            }

            var found = zone.Find(node!, key, q.Type);
            if (found is not null)
            {
                if (!WriteSet(ref w, ref counts.Answer, found, owner))
                {
                    return;
                }

                Collect(found, additional);
                positive = true;
                goto done;
            }

            var cname = q.Type == RecordType.CNAME ? null : node!.Find(RecordType.CNAME);
            if (cname is null)
            {
                WriteNegative(ref w, ref counts, zone);
                return;
            }

            if (!WriteSet(ref w, ref counts.Answer, cname, owner))
            {
                return;
            }

            var next = ((CnameRecord)cname.Records[0]).Target;
            length = next.WireLength;
            next.Wire.CopyTo(current);
            next.Wire.CopyTo(currentLower);
            DomainName.LowerInPlace(currentLower[..length]);
            positive = true;
        }

    done:
        if (positive && !q.RecursionDesired && !(q.Type is RecordType.NS or RecordType.ANY && counts.Answer > 0 && length == zone.OriginKey.Length
            && currentLower[..length].SequenceEqual(zone.OriginKey)))
        {
            if (!WriteSet(ref w, ref counts.Authority, zone.ApexNs, zone.ApexNs.Owner.Wire))
            {
                return;
            }

            Collect(zone.ApexNs, additional);
        }

        WriteAdditional(zones, ref w, ref counts, additional);
    }

    private static int Finish(ref DnsWriter w, in ParsedQuery q, ResponseCode rcode, bool aa, Counts counts)
    {
        var truncated = w.Truncated;
        w.Limit = w.Buffer.Length;
        var additional = counts.Additional;
        if (q.HasEdns)
        {
            // The only SERVFAIL built here is a CNAME loop: BIND tells why with Extended DNS Error 0 (RFC 8914).
            WriteOpt(ref w, q.DnssecOk, rcode, rcode == ResponseCode.ServFail ? CnameLoopError : []);
            additional++;
        }

        var flags = (ushort)(HeaderFlags.Response | (q.Flags & (HeaderFlags.RecursionDesired | HeaderFlags.CheckingDisabled))
            | (aa ? HeaderFlags.AuthoritativeAnswer : 0) | (truncated ? HeaderFlags.Truncated : 0) | ((int)rcode & HeaderFlags.RcodeMask));
        w.PatchUInt16(2, flags);
        w.PatchUInt16(6, (ushort)counts.Answer);
        w.PatchUInt16(8, (ushort)counts.Authority);
        w.PatchUInt16(10, (ushort)additional);
        return w.Position;
    }

    /// <summary>EDNS option 15 (Extended DNS Error), INFO-CODE 0 "Other", with the EXTRA-TEXT BIND 9.18 sends for a CNAME loop.</summary>
    private static readonly byte[] CnameLoopError = [0, 15, 0, 23, 0, 0, .. "max. restarts reached"u8];

    public static void WriteOpt(ref DnsWriter w, bool dnssecOk, ResponseCode rcode, ReadOnlySpan<byte> options = default)
    {
        w.WriteByte(0);
        w.WriteUInt16((ushort)RecordType.OPT);
        w.WriteUInt16(ServerUdpPayload);
        w.WriteUInt32(((uint)((int)rcode >> 4) << EdnsFlags.ExtendedRcodeShift) | (dnssecOk ? EdnsFlags.DnssecOk : 0));
        w.WriteUInt16((ushort)options.Length);
        w.WriteBytes(options);
    }

    /// <summary>A response without records (FORMERR, NOTIMP, REFUSED, BADVERS): header, question if known, OPT if asked.</summary>
    public static int Error(in ParsedQuery q, ReadOnlySpan<byte> originalName, bool withQuestion, Span<byte> output, ResponseCode rcode)
    {
        var w = new DnsWriter(output, []);
        w.WriteUInt16(q.Id);
        w.WriteUInt16(0);
        w.WriteUInt16((ushort)(withQuestion ? 1 : 0));
        w.WriteUInt16(0);
        w.WriteUInt16(0);
        w.WriteUInt16(0);
        if (withQuestion)
        {
            w.WriteName(originalName, compress: false);
            w.WriteUInt16((ushort)q.Type);
            w.WriteUInt16((ushort)q.Class);
        }

        if (q.HasEdns)
        {
            WriteOpt(ref w, q.DnssecOk, rcode);
            w.PatchUInt16(10, 1);
        }

        w.PatchUInt16(2, (ushort)(HeaderFlags.Response | (q.Flags & (HeaderFlags.OpcodeMask | HeaderFlags.RecursionDesired | HeaderFlags.CheckingDisabled))
            | ((int)rcode & HeaderFlags.RcodeMask)));
        return w.Position;
    }

    private struct Counts
    {
        public int Answer;
        public int Authority;
        public int Additional;
    }
}
