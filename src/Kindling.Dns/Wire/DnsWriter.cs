using System.Buffers.Binary;

namespace Kindling.Dns.Wire;

/// <summary>
/// Writes a DNS message into a span, compressing names (RFC 1035 §4.1.4) by exact (case-sensitive) suffix match,
/// as BIND does, so a reader sees each name in the case it was written. Writing past the end sets
/// <see cref="Overflowed"/> instead of throwing: a caller marks a <see cref="Checkpoint"/> before each record and rolls
/// back to it to truncate cleanly (RFC 2181 §9).
/// </summary>
public ref struct DnsWriter
{
    private readonly Span<byte> _buffer;
    private readonly Span<ushort> _names;
    private int _nameCount;

    /// <param name="buffer">Where the message goes.</param>
    /// <param name="compressionTable">Room for the offsets of names already written (empty: no compression).</param>
    public DnsWriter(Span<byte> buffer, Span<ushort> compressionTable)
    {
        _buffer = buffer;
        _names = compressionTable;
        Position = 0;
        Overflowed = false;
        _nameCount = 0;
        Limit = buffer.Length;
    }

    /// <summary>Writes beyond this offset overflow; lowered to keep room for records written last (OPT, TSIG).</summary>
    public int Limit { get; set; }

    public int Position { get; private set; }

    public bool Overflowed { get; private set; }

    /// <summary>Set by a caller that dropped data for lack of room (the TC bit of RFC 1035 §4.1.1).</summary>
    public bool Truncated { get; private set; }

    public void MarkTruncated() => Truncated = true;

    public readonly Span<byte> Written => _buffer[..Position];

    public readonly Span<byte> Buffer => _buffer;

    public readonly (int Position, int Names) Checkpoint() => (Position, _nameCount);

    public void Rollback((int Position, int Names) checkpoint)
    {
        Position = checkpoint.Position;
        _nameCount = checkpoint.Names;
        Overflowed = false;
    }

    public void WriteByte(byte value)
    {
        if (Reserve(1))
        {
            _buffer[Position++] = value;
        }
    }

    public void WriteUInt16(ushort value)
    {
        if (Reserve(2))
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[Position..], value);
            Position += 2;
        }
    }

    public void WriteUInt32(uint value)
    {
        if (Reserve(4))
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer[Position..], value);
            Position += 4;
        }
    }

    public void WriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        if (Reserve(bytes.Length))
        {
            bytes.CopyTo(_buffer[Position..]);
            Position += bytes.Length;
        }
    }

    public void WriteCharacterString(scoped ReadOnlySpan<byte> text)
    {
        if (text.Length > 255)
        {
            throw new DnsFormatException("a character-string holds at most 255 octets");
        }

        WriteByte((byte)text.Length);
        WriteBytes(text);
    }

    /// <summary>Overwrites a 16-bit value written earlier (RDLENGTH, section counts).</summary>
    public readonly void PatchUInt16(int offset, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(_buffer[offset..], value);

    public void WriteName(DomainName name, bool compress = true) => WriteName(name.Wire, compress);

    /// <summary>Writes an uncompressed wire name, replacing its longest suffix already in the message by a pointer.</summary>
    public void WriteName(scoped ReadOnlySpan<byte> wire, bool compress = true)
    {
        var offset = 0;
        var nameStart = Position;
        while (wire[offset] != 0)
        {
            if (compress)
            {
                var target = Find(wire[offset..], nameStart);
                if (target >= 0)
                {
                    WriteUInt16((ushort)(0xC000 | target));
                    return;
                }
            }

            var here = Position;
            var labelLength = wire[offset] + 1;
            WriteBytes(wire.Slice(offset, labelLength));
            if (!Overflowed && here < 0x3FFF && _nameCount < _names.Length)
            {
                _names[_nameCount++] = (ushort)here;
            }

            offset += labelLength;
        }

        WriteByte(0);
    }

    // Only names complete before this one started can be pointed at (the reader rejects anything else).
    private readonly int Find(scoped ReadOnlySpan<byte> suffix, int before)
    {
        for (var i = 0; i < _nameCount; i++)
        {
            if (_names[i] < before && Matches(_names[i], suffix))
            {
                return _names[i];
            }
        }

        return -1;
    }

    // Whether the (possibly compressed) name at offset in the buffer equals suffix octet for octet.
    private readonly bool Matches(int offset, scoped ReadOnlySpan<byte> suffix)
    {
        var s = 0;
        for (var hops = 0; hops < 128; )
        {
            var length = _buffer[offset];
            if ((length & 0xC0) == 0xC0)
            {
                offset = ((length & 0x3F) << 8) | _buffer[offset + 1];
                hops++;
                continue;
            }

            if (length != suffix[s])
            {
                return false;
            }

            if (length == 0)
            {
                return true;
            }

            if (!_buffer.Slice(offset + 1, length).SequenceEqual(suffix.Slice(s + 1, length)))
            {
                return false;
            }

            offset += length + 1;
            s += length + 1;
        }

        return false;
    }

    private bool Reserve(int count)
    {
        if (Overflowed || Position + count > Limit)
        {
            Overflowed = true;
            return false;
        }

        return true;
    }
}
