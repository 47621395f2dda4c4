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
            // Created here, where the writer also lives on this stack frame, so the steps may take both by ref.
            var chain = new NameChain(
                stackalloc byte[DomainName.MaxWireLength], stackalloc byte[DomainName.MaxWireLength],
                stackalloc int[MaxChain], stackalloc int[MaxChain], stackalloc byte[MaxChain * DomainName.MaxWireLength]);
            chain.Start(originalName, lowerName);
            Resolve(zones, zone, q, ref chain, ref w, ref counts, ref rcode, ref aa, additional);
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

    // RFC 1034 §4.3.2 step 3, name by name along a CNAME/DNAME chain: each hop looks the current name up and either
    // ends the response (referral, negative answer, a record set that did not fit), or answers and stops, or writes a
    // CNAME (or a DNAME and its synthesized CNAME) and goes on with the target. A chain that ended in an answer gets
    // the apex NS in authority and the additional data.
    private static void Resolve(ZoneTable zones, Zone zone, in ParsedQuery q, ref NameChain chain, ref DnsWriter w, ref Counts counts,
        ref ResponseCode rcode, ref bool aa, List<DomainName> additional)
    {
        for (var hop = 0; hop < MaxChain; hop++)
        {
            if (chain.SeenBefore(hop))
            {
                rcode = ResponseCode.ServFail; // a CNAME loop: BIND answers SERVFAIL with the chain so far
                return;
            }

            // Like BIND without recursion, a chain is followed only while it stays in the zone it started in.
            if (hop > 0 && !ReferenceEquals(zones.FindClosest(chain.Lower), zone))
            {
                break;
            }

            var kind = ZoneLookup.Find(zone, chain.Lower, q.Type, out var node);
            var step = kind switch
            {
                LookupKind.Referral => WriteReferral(zones, node!, hop == 0, ref w, ref counts, ref aa, additional),
                LookupKind.Dname => FollowDname(node!, ref chain, ref w, ref counts, ref rcode),
                LookupKind.NxDomain => WriteNxDomain(zone, ref w, ref counts, ref rcode),
                _ => AnswerFromNode(zone, node!, kind == LookupKind.Wildcard, q.Type, ref chain, ref w, ref counts, additional),
            };

            if (step == Step.Complete)
            {
                return;
            }

            if (step == Step.Answered)
            {
                break;
            }
        }

        // Every way here answered something (a record set, or a CNAME/DNAME chain that ended or left the zone).
        WriteApexNsAndAdditional(zones, zone, q, chain.Lower, ref w, ref counts, additional);
    }

    /// <summary>What a step of <see cref="Resolve"/> leaves to do.</summary>
    private enum Step
    {
        /// <summary>The response is complete (or a record set did not fit): nothing more to write.</summary>
        Complete,
        /// <summary>The answer is written: add the authority NS and the additional data.</summary>
        Answered,
        /// <summary>A CNAME or DNAME was written: look up its target.</summary>
        Follow,
    }

    // RFC 1034 §4.3.2 step 3b: the delegation's NS in authority (AA cleared when the query itself was delegated) and
    // the glue in additional.
    private static Step WriteReferral(ZoneTable zones, ZoneNode node, bool firstHop, ref DnsWriter w, ref Counts counts, ref bool aa,
        List<DomainName> additional)
    {
        if (firstHop)
        {
            aa = false;
        }

        var ns = node.Find(RecordType.NS)!;
        if (!WriteSet(ref w, ref counts.Authority, ns, ns.Owner.Wire))
        {
            return Step.Complete;
        }

        for (var r = 0; r < ns.Records.Count; r++)
        {
            additional.Add(((NsRecord)ns.Records[r]).Target);
        }

        WriteAdditional(zones, ref w, ref counts, additional);
        return Step.Complete;
    }

    // RFC 6672 §3.2: the DNAME, then a CNAME from the name asked for to the name with the DNAME's owner replaced by
    // its target, which the chain follows; YXDOMAIN when that name would be too long.
    private static Step FollowDname(ZoneNode node, ref NameChain chain, ref DnsWriter w, ref Counts counts, ref ResponseCode rcode)
    {
        var dnameSet = node.Find(RecordType.DNAME)!;
        if (!WriteSet(ref w, ref counts.Answer, dnameSet, dnameSet.Owner.Wire))
        {
            return Step.Complete;
        }

        var target = ((DnameRecord)dnameSet.Records[0]).Target;
        var prefix = chain.Length - node.Name.WireLength;
        if (prefix + target.WireLength > DomainName.MaxWireLength)
        {
            rcode = ResponseCode.YXDomain;
            return Step.Complete;
        }

        Span<byte> synthesized = stackalloc byte[DomainName.MaxWireLength];
        chain.Original[..prefix].CopyTo(synthesized);
        target.Wire.CopyTo(synthesized[prefix..]);
        var newLength = prefix + target.WireLength;
        if (!WriteCname(ref w, ref counts.Answer, chain.Original, dnameSet.Ttl, synthesized[..newLength]))
        {
            return Step.Complete;
        }

        chain.MoveTo(synthesized[..newLength]);
        return Step.Follow;
    }

    // RFC 2308 §2.1: NXDOMAIN with the SOA in authority.
    private static Step WriteNxDomain(Zone zone, ref DnsWriter w, ref Counts counts, ref ResponseCode rcode)
    {
        rcode = ResponseCode.NXDomain;
        WriteNegative(ref w, ref counts, zone);
        return Step.Complete;
    }

    // The name exists, or a wildcard stands for it (RFC 4592 §3.3.1: the owner written is then the name asked for,
    // the records are the wildcard's): the type asked for (every set for ANY), else a CNAME to follow, else NODATA.
    private static Step AnswerFromNode(Zone zone, ZoneNode node, bool wildcard, RecordType type, ref NameChain chain, ref DnsWriter w,
        ref Counts counts, List<DomainName> additional)
    {
        ReadOnlySpan<byte> owner = wildcard ? chain.Original : node.Name.Wire;
        if (type == RecordType.ANY)
        {
            return WriteAllSets(zone, node, owner, ref w, ref counts, additional);
        }

        Span<byte> wildcardKey = stackalloc byte[DomainName.MaxWireLength];
        var key = wildcard ? LowerCopy(node.Name.Wire, wildcardKey) : chain.Lower;
        var found = zone.Find(node, key, type);
        if (found is not null)
        {
            if (!WriteSet(ref w, ref counts.Answer, found, owner))
            {
                return Step.Complete;
            }

            Collect(found, additional);
            return Step.Answered;
        }

        var cname = type == RecordType.CNAME ? null : node.Find(RecordType.CNAME);
        if (cname is null)
        {
            WriteNegative(ref w, ref counts, zone); // NODATA (RFC 2308 §2.2)
            return Step.Complete;
        }

        if (!WriteSet(ref w, ref counts.Answer, cname, owner))
        {
            return Step.Complete;
        }

        chain.MoveTo(((CnameRecord)cname.Records[0]).Target.Wire);
        return Step.Follow;
    }

    // QTYPE ANY: every set at the node, or NODATA when it has none (an empty non-terminal).
    private static Step WriteAllSets(Zone zone, ZoneNode node, scoped ReadOnlySpan<byte> owner, ref DnsWriter w, ref Counts counts,
        List<DomainName> additional)
    {
        var any = false;
        foreach (var set in zone.SetsOf(node))
        {
            any = true;
            if (!WriteSet(ref w, ref counts.Answer, set, owner))
            {
                return Step.Complete;
            }

            Collect(set, additional);
        }

        if (!any)
        {
            WriteNegative(ref w, ref counts, zone);
            return Step.Complete;
        }

        return Step.Answered;
    }

    private static ReadOnlySpan<byte> LowerCopy(ReadOnlySpan<byte> wire, Span<byte> into)
    {
        wire.CopyTo(into);
        DomainName.LowerInPlace(into[..wire.Length]);
        return into[..wire.Length];
    }

    // minimal-responses no-auth-recursive: the apex NS in authority only for queries without RD, and not when the
    // answer already is the apex NS set (NS or ANY at the apex); then A/AAAA for the names collected.
    private static void WriteApexNsAndAdditional(ZoneTable zones, Zone zone, in ParsedQuery q, scoped ReadOnlySpan<byte> lastName, ref DnsWriter w,
        ref Counts counts, List<DomainName> additional)
    {
        var answeredApexNs = q.Type is RecordType.NS or RecordType.ANY && counts.Answer > 0 && lastName.SequenceEqual(zone.OriginKey);
        if (!q.RecursionDesired && !answeredApexNs)
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
