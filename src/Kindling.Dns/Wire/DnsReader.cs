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
                case 0x00 when octet == 0:
                    length = AppendRootLabel(destination, length);
                    if (next < 0)
                    {
                        next = position + 1;
                    }

                    return length;
                case 0x00:
                    AppendLabel(message, ref position, destination, ref length);
                    break;
                case 0xC0:
                    FollowPointer(message, ref position, ref limit, ref next);
                    break;
                default:
                    throw new DnsFormatException($"unsupported label type 0x{octet:x2}");
            }
        }
    }

    /// <summary>Ends a decompressed name with the zero-length root label; returns the name's length.</summary>
    private static int AppendRootLabel(scoped Span<byte> destination, int length)
    {
        if (length + 1 > DomainName.MaxWireLength)
        {
            throw new DnsFormatException("name longer than 255 octets");
        }

        destination[length] = 0;
        return length + 1;
    }

    /// <summary>Copies the label at <paramref name="position"/> (length octet and text) and moves past it.</summary>
    private static void AppendLabel(ReadOnlySpan<byte> message, ref int position, scoped Span<byte> destination, ref int length)
    {
        var octet = message[position];
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
    }

    /// <summary>
    /// Jumps to the target of the compression pointer at <paramref name="position"/> (RFC 1035 §4.1.4); the first pointer
    /// fixes <paramref name="next"/>, and each target must lie before <paramref name="limit"/> so that pointers cannot loop.
    /// </summary>
    private static void FollowPointer(ReadOnlySpan<byte> message, ref int position, ref int limit, ref int next)
    {
        if (position + 1 >= message.Length)
        {
            throw new DnsFormatException("compression pointer runs past the end of the message");
        }

        var target = ((message[position] & 0x3F) << 8) | message[position + 1];
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
    }

    private readonly void Need(int count)
    {
        if (count < 0 || Position + count > _message.Length)
        {
            throw new DnsFormatException($"message truncated: need {count} octets at offset {Position}, have {Math.Max(0, _message.Length - Position)}");
        }
    }
}
