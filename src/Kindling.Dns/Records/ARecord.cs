using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>A: an IPv4 address (RFC 1035 §3.4.1).</summary>
public sealed class ARecord : RecordData
{
    public ARecord(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("an A record holds an IPv4 address", nameof(address));
        }

        Address = address;
    }

    public IPAddress Address { get; }

    public override RecordType Type => RecordType.A;

    public override void Write(ref DnsWriter writer, bool compress)
    {
        Span<byte> bytes = stackalloc byte[4];
        Address.TryWriteBytes(bytes, out _);
        writer.WriteBytes(bytes);
    }

    public override string ToString() => Address.ToString();

    internal static ARecord Read(ref DnsReader reader, int length) =>
        length == 4 ? new ARecord(new IPAddress(reader.ReadBytes(4))) : throw new DnsFormatException($"A RDATA is 4 octets, not {length}");

    internal static ARecord Parse(RdataText text)
    {
        var token = text.Next("IPv4 address");
        // BIND accepts only dotted quads here (no "1.2.3" shorthand that IPAddress.Parse would take).
        if (token.Text.Count(c => c == '.') != 3 || !IPAddress.TryParse(token.Text, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw RdataText.Error($"bad IPv4 address '{token.Text}'", token);
        }

        return new ARecord(address);
    }
}
