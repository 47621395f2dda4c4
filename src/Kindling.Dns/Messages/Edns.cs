using Kindling.Dns.Wire;

namespace Kindling.Dns;

/// <summary>An EDNS(0) option (RFC 6891 §6.1.2): code and opaque data (cookies, NSID, padding, ...).</summary>
public sealed record EdnsOption(ushort Code, byte[] Data)
{
    public bool Equals(EdnsOption? other) => other is not null && Code == other.Code && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(Code, Data.Length);
}

/// <summary>The OPT pseudo-record's contents (RFC 6891 §6.1): UDP payload size, extended RCODE bits, version, DO flag.</summary>
public sealed record Edns(ushort UdpPayloadSize = EdnsDefaults.UdpPayloadSize, byte ExtendedRcode = 0, byte Version = 0, bool DnssecOk = false)
{
    public IReadOnlyList<EdnsOption> Options { get; init; } = [];

    public bool Equals(Edns? other) =>
        other is not null && UdpPayloadSize == other.UdpPayloadSize && ExtendedRcode == other.ExtendedRcode && Version == other.Version
        && DnssecOk == other.DnssecOk && Options.SequenceEqual(other.Options);

    public override int GetHashCode() => HashCode.Combine(UdpPayloadSize, ExtendedRcode, Version, DnssecOk, Options.Count);
}
