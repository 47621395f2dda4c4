namespace Kindling.Dns;

/// <summary>Resource record TYPE values (IANA "Resource Record (RR) TYPEs"); any other value is carried as opaque data (RFC 3597).</summary>
public enum RecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    HINFO = 13,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    NAPTR = 35,
    DNAME = 39,
    OPT = 41,
    DS = 43,
    RRSIG = 46,
    NSEC = 47,
    DNSKEY = 48,
    TKEY = 249,
    TSIG = 250,
    IXFR = 251,
    AXFR = 252,
    MAILB = 253,
    MAILA = 254,
    ANY = 255,
    CAA = 257,
}

/// <summary>Resource record CLASS values (RFC 1035 §3.2.4, RFC 2136 §2.4 for NONE).</summary>
public enum RecordClass : ushort
{
    IN = 1,
    CH = 3,
    HS = 4,
    NONE = 254,
    ANY = 255,
}

/// <summary>Header OPCODE values (RFC 1035 §4.1.1, RFC 1996 NOTIFY, RFC 2136 UPDATE).</summary>
public enum Opcode : byte
{
    Query = 0,
    IQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}

/// <summary>RCODE values including the extended ones carried in OPT and TSIG (RFC 6895 §2.3).</summary>
public enum ResponseCode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    YXDomain = 6,
    YXRRSet = 7,
    NXRRSet = 8,
    NotAuth = 9,
    NotZone = 10,
    /// <summary>BADVERS for OPT; the same value means BADSIG in TSIG (see <see cref="TsigErrors"/>).</summary>
    BadVers = 16,
    BadKey = 17,
    BadTime = 18,
    BadTrunc = 22,
    BadCookie = 23,
}

/// <summary>TSIG error names for values that RCODE space shares with EDNS (RFC 8945 §5.2).</summary>
public static class TsigErrors
{
    public const ResponseCode BadSig = ResponseCode.BadVers;
}

/// <summary>Text forms of types and classes as zone files write them, including RFC 3597 <c>TYPEnnn</c>/<c>CLASSnnn</c>.</summary>
internal static class RecordTypeText
{
    public static string ToText(RecordType type) =>
        Enum.IsDefined(type) ? type.ToString() : $"TYPE{(ushort)type}";

    public static bool TryParse(ReadOnlySpan<char> text, out RecordType type)
    {
        if (text.Length > 4 && text[..4].Equals("TYPE", StringComparison.OrdinalIgnoreCase) && ushort.TryParse(text[4..], out var n))
        {
            type = (RecordType)n;
            return true;
        }

        return Enum.TryParse(text, ignoreCase: true, out type) && !char.IsAsciiDigit(text[0]) && Enum.IsDefined(type);
    }

    public static string ToText(RecordClass cls) =>
        Enum.IsDefined(cls) ? cls.ToString() : $"CLASS{(ushort)cls}";

    public static bool TryParseClass(ReadOnlySpan<char> text, out RecordClass cls)
    {
        if (text.Length > 5 && text[..5].Equals("CLASS", StringComparison.OrdinalIgnoreCase) && ushort.TryParse(text[5..], out var n))
        {
            cls = (RecordClass)n;
            return true;
        }

        return Enum.TryParse(text, ignoreCase: true, out cls) && !char.IsAsciiDigit(text[0]) && Enum.IsDefined(cls);
    }
}
