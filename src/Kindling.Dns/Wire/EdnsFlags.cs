namespace Kindling.Dns.Wire;

/// <summary>Bits of the OPT record's TTL field (RFC 6891 §6.1.3): extended RCODE, version, then the flags.</summary>
internal static class EdnsFlags
{
    /// <summary>DO: DNSSEC OK (RFC 3225), the top bit of the low 16 bits of the TTL.</summary>
    public const uint DnssecOk = 0x8000;

    /// <summary>Where the upper eight RCODE bits start in the TTL.</summary>
    public const int ExtendedRcodeShift = 24;

    /// <summary>Where the EDNS version starts in the TTL.</summary>
    public const int VersionShift = 16;
}
