namespace Kindling.Dns;

/// <summary>
/// A fully qualified domain name (RFC 1035 §3.1, §2.3.4): kept in uncompressed wire form with its case preserved;
/// compared without regard to ASCII case (RFC 4343). At most 255 octets, labels at most 63.
/// <c>default</c> is the root.
/// </summary>
public readonly partial struct DomainName : IEquatable<DomainName>, IComparable<DomainName>
{
    public const int MaxWireLength = 255;
    public const int MaxLabelLength = 63;

    private static readonly byte[] RootWire = [0];
    private readonly byte[]? _wire;

    private DomainName(byte[] wire) => _wire = wire;

    public static DomainName Root => default;

    /// <summary>The name as uncompressed wire octets, ending with the zero-length root label.</summary>
    public ReadOnlySpan<byte> Wire => _wire ?? RootWire;

    public int WireLength => _wire?.Length ?? 1;

    public bool IsRoot => WireLength == 1;

    public int LabelCount
    {
        get
        {
            var wire = Wire;
            var count = 0;
            for (var i = 0; wire[i] != 0; i += wire[i] + 1)
            {
                count++;
            }

            return count;
        }
    }

    /// <summary>The first (leftmost) label, without its length octet.</summary>
    public ReadOnlySpan<byte> FirstLabel => IsRoot ? [] : Wire.Slice(1, Wire[0]);

    public bool IsWildcard => WireLength > 2 && Wire[0] == 1 && Wire[1] == (byte)'*';

    /// <summary>The name with its first label removed (the root's parent is the root).</summary>
    public DomainName Parent() => IsRoot ? this : new DomainName(Wire[(Wire[0] + 1)..].ToArray());

    /// <summary>The name with its first <paramref name="count"/> labels removed.</summary>
    public DomainName Ancestor(int count)
    {
        var wire = Wire;
        var offset = 0;
        for (var i = 0; i < count && wire[offset] != 0; i++)
        {
            offset += wire[offset] + 1;
        }

        return offset == 0 ? this : new DomainName(wire[offset..].ToArray());
    }

    /// <summary>Whether this name equals <paramref name="other"/> or lies below it.</summary>
    public bool IsSubdomainOf(DomainName other)
    {
        var wire = Wire;
        var suffix = other.Wire;
        if (suffix.Length > wire.Length)
        {
            return false;
        }

        for (var offset = 0; ; offset += wire[offset] + 1)
        {
            var rest = wire.Length - offset;
            if (rest == suffix.Length)
            {
                return WireEquals(wire[offset..], suffix);
            }

            if (rest < suffix.Length || wire[offset] == 0)
            {
                return false;
            }
        }
    }

    /// <summary>This name with <paramref name="label"/> prepended (a child name).</summary>
    public DomainName Prepend(ReadOnlySpan<byte> label)
    {
        if (label.Length is 0 or > MaxLabelLength || WireLength + label.Length + 1 > MaxWireLength)
        {
            throw new DnsFormatException("name too long: a label is 1..63 octets and a name at most 255");
        }

        var wire = new byte[WireLength + label.Length + 1];
        wire[0] = (byte)label.Length;
        label.CopyTo(wire.AsSpan(1));
        Wire.CopyTo(wire.AsSpan(label.Length + 1));
        return new DomainName(wire);
    }

    /// <summary>This (relative) name's labels followed by <paramref name="origin"/>'s.</summary>
    public DomainName Concat(DomainName origin)
    {
        if (origin.IsRoot)
        {
            return this;
        }

        if (WireLength - 1 + origin.WireLength > MaxWireLength)
        {
            throw new DnsFormatException($"name too long: {this}{origin} exceeds 255 octets");
        }

        var wire = new byte[WireLength - 1 + origin.WireLength];
        Wire[..^1].CopyTo(wire);
        origin.Wire.CopyTo(wire.AsSpan(WireLength - 1));
        return new DomainName(wire);
    }

    /// <summary>Replaces the suffix <paramref name="from"/> with <paramref name="to"/> (DNAME substitution, RFC 6672).</summary>
    public DomainName ReplaceSuffix(DomainName from, DomainName to)
    {
        var prefixLength = WireLength - from.WireLength;
        if (prefixLength < 0 || prefixLength + to.WireLength > MaxWireLength)
        {
            throw new DnsFormatException("DNAME substitution makes a name longer than 255 octets");
        }

        var wire = new byte[prefixLength + to.WireLength];
        Wire[..prefixLength].CopyTo(wire);
        to.Wire.CopyTo(wire.AsSpan(prefixLength));
        return new DomainName(wire);
    }

    /// <summary>The wire form with ASCII letters lowered: the key under which zones and caches store names.</summary>
    public byte[] ToLowerWire()
    {
        var lower = Wire.ToArray();
        LowerInPlace(lower);
        return lower;
    }

    public static void LowerInPlace(Span<byte> wire)
    {
        for (var i = 0; i < wire.Length; i++)
        {
            var b = wire[i];
            if (b is >= (byte)'A' and <= (byte)'Z')
            {
                wire[i] = (byte)(b | 0x20);
            }
        }
    }

    /// <summary>Builds a name from uncompressed wire octets, checking label and total lengths.</summary>
    public static DomainName FromWire(ReadOnlySpan<byte> wire)
    {
        if (wire.Length is 0 or > MaxWireLength)
        {
            throw new DnsFormatException("a name is 1..255 octets in wire form");
        }

        var offset = 0;
        while (wire[offset] != 0)
        {
            var length = wire[offset];
            if (length > MaxLabelLength || offset + length + 1 >= wire.Length)
            {
                throw new DnsFormatException("bad label length in name");
            }

            offset += length + 1;
        }

        if (offset != wire.Length - 1)
        {
            throw new DnsFormatException("trailing octets after the root label");
        }

        return wire.Length == 1 ? Root : new DomainName(wire.ToArray());
    }

    public bool Equals(DomainName other) => WireEquals(Wire, other.Wire);

    public override bool Equals(object? obj) => obj is DomainName other && Equals(other);

    public override int GetHashCode()
    {
        Span<byte> lower = stackalloc byte[MaxWireLength];
        var wire = Wire;
        wire.CopyTo(lower);
        LowerInPlace(lower[..wire.Length]);
        return LowerWireComparer.Hash(lower[..wire.Length]);
    }

    /// <summary>Exact (case-sensitive) equality, used where case must survive a round trip.</summary>
    public bool EqualsExactly(DomainName other) => Wire.SequenceEqual(other.Wire);

    /// <summary>Canonical DNS name order (RFC 4034 §6.1): by labels from the right, case-insensitive.</summary>
    public int CompareTo(DomainName other)
    {
        var a = LabelOffsets(this);
        var b = LabelOffsets(other);
        for (int i = a.Count - 1, j = b.Count - 1; i >= 0 && j >= 0; i--, j--)
        {
            var la = Wire.Slice(a[i] + 1, Wire[a[i]]);
            var lb = other.Wire.Slice(b[j] + 1, other.Wire[b[j]]);
            var n = Math.Min(la.Length, lb.Length);
            for (var k = 0; k < n; k++)
            {
                var c = Lower(la[k]).CompareTo(Lower(lb[k]));
                if (c != 0)
                {
                    return c;
                }
            }

            if (la.Length != lb.Length)
            {
                return la.Length.CompareTo(lb.Length);
            }
        }

        return a.Count.CompareTo(b.Count);
    }

    private static List<int> LabelOffsets(DomainName name)
    {
        var offsets = new List<int>();
        var wire = name.Wire;
        for (var i = 0; wire[i] != 0; i += wire[i] + 1)
        {
            offsets.Add(i);
        }

        return offsets;
    }

    public static bool operator ==(DomainName left, DomainName right) => left.Equals(right);

    public static bool operator !=(DomainName left, DomainName right) => !left.Equals(right);

    public static bool operator <(DomainName left, DomainName right) => left.CompareTo(right) < 0;

    public static bool operator <=(DomainName left, DomainName right) => left.CompareTo(right) <= 0;

    public static bool operator >(DomainName left, DomainName right) => left.CompareTo(right) > 0;

    public static bool operator >=(DomainName left, DomainName right) => left.CompareTo(right) >= 0;

    internal static byte Lower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;

    internal static bool WireEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && Lower(a[i]) != Lower(b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
