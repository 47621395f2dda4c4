namespace Kindling.Dns.Wire;

/// <summary>EDNS(0) (RFC 6891) values this server and its clients use.</summary>
internal static class EdnsDefaults
{
    /// <summary>
    /// The UDP payload size advertised and honoured: 1232 octets, the DNS Flag Day 2020 value that fits an IPv6
    /// minimum MTU (1280) less the IPv6 and UDP headers, so responses are not fragmented. BIND 9.18 uses the same.
    /// </summary>
    public const ushort UdpPayloadSize = 1232;

    /// <summary>Octets of an OPT record without options: root name, TYPE, CLASS, TTL, RDLENGTH (RFC 6891 §6.1.2).</summary>
    public const int OptRecordLength = 11;
}
