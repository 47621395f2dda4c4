using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>AAAA: an IPv6 address (RFC 3596 §2).</summary>
public sealed class AaaaRecord : RecordData
{
    public AaaaRecord(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("an AAAA record holds an IPv6 address", nameof(address));
        }

        Address = address;
    }

    public IPAddress Address { get; }

    public override RecordType Type => RecordType.AAAA;

    public override void Write(ref DnsWriter writer, bool compress)
    {
        Span<byte> bytes = stackalloc byte[16];
        Address.TryWriteBytes(bytes, out _);
        writer.WriteBytes(bytes);
    }

    public override string ToString() => Address.ToString();

    internal static AaaaRecord Read(ref DnsReader reader, int length) =>
        length == 16 ? new AaaaRecord(new IPAddress(reader.ReadBytes(16))) : throw new DnsFormatException($"AAAA RDATA is 16 octets, not {length}");

    internal static AaaaRecord Parse(RdataText text)
    {
        var token = text.Next("IPv6 address");
        if (!token.Text.Contains(':', StringComparison.Ordinal) || token.Text.Contains('%', StringComparison.Ordinal)
            || !IPAddress.TryParse(token.Text, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw RdataText.Error($"bad IPv6 address '{token.Text}'", token);
        }

        return new AaaaRecord(address);
    }
}
