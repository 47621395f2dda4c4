using Kindling.Dns.Server.Zones;

namespace Kindling.Dns.Server.Answering;

internal enum LookupKind
{
    /// <summary>The name exists (a node, possibly an empty non-terminal).</summary>
    Exact,
    /// <summary>The name does not exist but a wildcard at its closest encloser does (RFC 4592 §3.3.1).</summary>
    Wildcard,
    /// <summary>The name is at or below a zone cut: answer with a referral (RFC 1034 §4.3.2 step 3b).</summary>
    Referral,
    /// <summary>An ancestor holds a DNAME: substitute (RFC 6672 §3.2).</summary>
    Dname,
    NxDomain,
}

/// <summary>Finds where a name lands in one zone: exact node, wildcard, referral, DNAME, or nothing. Allocation-free.</summary>
internal static class ZoneLookup
{
    public static LookupKind Find(Zone zone, ReadOnlySpan<byte> name, RecordType type, out ZoneNode? node)
    {
        Span<int> offsets = stackalloc int[128];
        var count = 0;
        var apexIndex = -1;
        for (var o = 0; ; o += name[o] + 1)
        {
            offsets[count] = o;
            if (name.Length - o == zone.OriginKey.Length)
            {
                apexIndex = count;
                break;
            }

            count++;
            if (name[o] == 0)
            {
                break;
            }
        }

        if (apexIndex < 0)
        {
            node = null;
            return LookupKind.NxDomain;
        }

        if (zone.HasCuts || zone.HasDnames)
        {
            for (var i = apexIndex - 1; i >= 0; i--)
            {
                var n = zone.FindNode(name[offsets[i]..]);
                if (n is null)
                {
                    break;
                }

                if (n.Sets.Length == 0)
                {
                    continue;
                }

                if ((i > 0 || type != RecordType.DS) && n.Find(RecordType.NS) is not null)
                {
                    node = n;
                    return LookupKind.Referral;
                }

                if (i > 0 && n.Find(RecordType.DNAME) is not null)
                {
                    node = n;
                    return LookupKind.Dname;
                }
            }
        }

        node = zone.FindNode(name);
        if (node is not null)
        {
            return LookupKind.Exact;
        }

        // Closest encloser: the longest existing ancestor; then its wildcard child, if any.
        for (var i = 1; i <= apexIndex; i++)
        {
            var suffix = name[offsets[i]..];
            if (zone.FindNode(suffix) is null)
            {
                continue;
            }

            Span<byte> wildcard = stackalloc byte[DomainName.MaxWireLength + 2];
            wildcard[0] = 1;
            wildcard[1] = (byte)'*';
            suffix.CopyTo(wildcard[2..]);
            node = zone.FindNode(wildcard[..(suffix.Length + 2)]);
            return node is null ? LookupKind.NxDomain : LookupKind.Wildcard;
        }

        return LookupKind.NxDomain;
    }
}
