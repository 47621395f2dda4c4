using System.Buffers.Binary;

namespace Kindling.Dns.Wire;

/// <summary>
/// Reads a DNS message (RFC 1035 §4) from a span. Names may be compressed (§4.1.4); a pointer must point strictly
/// before the name that uses it, which makes loops impossible. Every read is bounds-checked and fails with
/// <see cref="DnsFormatException"/>.
/// </summary>
public ref struct DnsReader
{
    private readonly ReadOnlySpan<byte> _message;

    public DnsReader(ReadOnlySpan<byte> message, int position = 0)
    {
        _message = message;
        Position = position;
    }

    public int Position { get; set; }

    public readonly ReadOnlySpan<byte> Message => _message;

    public readonly int Remaining => _message.Length - Position;

    public byte ReadByte()
    {
        Need(1);
        return _message[Position++];
    }

    public ushort ReadUInt16()
    {
        Need(2);
        var value = BinaryPrimitives.ReadUInt16BigEndian(_message[Position..]);
        Position += 2;
        return value;
    }

    public uint ReadUInt32()
    {
        Need(4);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_message[Position..]);
        Position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        Need(count);
        var span = _message.Slice(Position, count);
        Position += count;
        return span;
    }

    /// <summary>A &lt;character-string&gt;: one length octet and up to 255 octets (RFC 1035 §3.3).</summary>
    public ReadOnlySpan<byte> ReadCharacterString() => ReadBytes(ReadByte());

    public DomainName ReadName()
    {
        Span<byte> wire = stackalloc byte[DomainName.MaxWireLength];
        var length = ReadName(wire);
        return DomainName.FromWire(wire[..length]);
    }

    /// <summary>Reads a possibly compressed name into <paramref name="destination"/> (uncompressed, case kept); returns its length.</summary>
    public int ReadName(scoped Span<byte> destination)
    {
        var length = ReadName(_message, Position, destination, out var next);
        Position = next;
        return length;
    }

    /// <summary>Decompresses the name at <paramref name="offset"/>; <paramref name="next"/> is where the data after it starts.</summary>
    public static int ReadName(ReadOnlySpan<byte> message, int offset, scoped Span<byte> destination, out int next)
    {
        var length = 0;
        next = -1;
        var position = offset;
        var limit = offset; // a pointer must point before the start of the label sequence that holds it
        while (true)
        {
            if (position >= message.Length)
            {
                throw new DnsFormatException("name runs past the end of the message");
            }

            var octet = message[position];
            switch (octet & 0xC0)
            {
                case 0x00:
                    if (octet == 0)
                    {
                        if (length + 1 > DomainName.MaxWireLength)
                        {
                            throw new DnsFormatException("name longer than 255 octets");
                        }

                        destination[length++] = 0;
                        if (next < 0)
                        {
                            next = position + 1;
                        }

                        return length;
                    }

                    if (position + 1 + octet > message.Length)
                    {
                        throw new DnsFormatException("label runs past the end of the message");
                    }

                    if (length + octet + 2 > DomainName.MaxWireLength)
                    {
                        throw new DnsFormatException("name longer than 255 octets");
                    }

                    message.Slice(position, octet + 1).CopyTo(destination[length..]);
                    length += octet + 1;
                    position += octet + 1;
                    break;
                case 0xC0:
                    if (position + 1 >= message.Length)
                    {
                        throw new DnsFormatException("compression pointer runs past the end of the message");
                    }

                    var target = ((octet & 0x3F) << 8) | message[position + 1];
                    if (next < 0)
                    {
                        next = position + 2;
                    }

                    if (target >= limit)
                    {
                        throw new DnsFormatException("compression pointer does not point backwards");
                    }

                    limit = target;
                    position = target;
                    break;
                default:
                    throw new DnsFormatException($"unsupported label type 0x{octet:x2}");
            }
        }
    }

    private readonly void Need(int count)
    {
        if (count < 0 || Position + count > _message.Length)
        {
            throw new DnsFormatException($"message truncated: need {count} octets at offset {Position}, have {Math.Max(0, _message.Length - Position)}");
        }
    }
}
