using System.Buffers.Binary;
using System.Security.Cryptography;
using Kindling.Dns.Records;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Tsig;

/// <summary>Outcome of checking a message's TSIG (RFC 8945 §5.2).</summary>
public enum TsigStatus
{
    /// <summary>The message carries no TSIG record.</summary>
    Unsigned,
    Valid,
    /// <summary>Key name unknown, or the algorithm differs from the key's: answer NOTAUTH with TSIG error BADKEY.</summary>
    BadKey,
    /// <summary>The MAC does not verify: answer NOTAUTH with TSIG error BADSIG.</summary>
    BadSig,
    /// <summary>Time signed outside the fudge window: answer NOTAUTH with BADTIME, signed.</summary>
    BadTime,
    /// <summary>TSIG present but not last, repeated, or malformed.</summary>
    FormErr,
}

/// <summary>The result of <see cref="TsigSigner.Verify"/>: status, the key used, the request MAC to sign the answer with.</summary>
public sealed record TsigVerification(TsigStatus Status, DomainName KeyName, TsigKey? Key, TsigRecord? Record, int RecordOffset)
{
    public byte[] Mac => Record?.Mac ?? [];
}

/// <summary>
/// Signs and verifies DNS messages in wire form with TSIG (RFC 8945 §4.3, §5). Works on raw octets so the MAC covers
/// exactly what is sent, including name compression.
/// </summary>
public static class TsigSigner
{
    public const ushort DefaultFudge = 300;

    /// <summary>Seconds since the Unix epoch, as TSIG's Time Signed counts them.</summary>
    public static ulong Now(TimeProvider time) => (ulong)time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>
    /// Appends a TSIG record to the message in <paramref name="buffer"/>[..<paramref name="length"/>] and increments ARCOUNT.
    /// <paramref name="requestMac"/> is the request's MAC when signing a response (or the previous message's MAC with
    /// <paramref name="timersOnly"/> for the second and later messages of a zone transfer, §5.3.1). Returns the new length.
    /// <paramref name="unsignedBefore"/> are the messages of a zone transfer sent unsigned since the last signed one, which
    /// this MAC then covers too (§5.3.1).
    /// </summary>
    public static int Sign(Span<byte> buffer, int length, TsigKey key, ulong timeSigned, ReadOnlySpan<byte> requestMac, out byte[] mac,
        ResponseCode error = ResponseCode.NoError, byte[]? otherData = null, bool timersOnly = false, ushort fudge = DefaultFudge,
        IReadOnlyList<byte[]>? unsignedBefore = null)
    {
        var originalId = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        otherData ??= [];
        mac = ComputeMac(key, buffer[..length], requestMac, key.Name, key.Algorithm, timeSigned, fudge, error, otherData, timersOnly, unsignedBefore);
        var record = new TsigRecord(key.Algorithm, timeSigned, fudge, mac, originalId, error, otherData);
        var writer = new DnsWriter(buffer[length..], []);
        writer.WriteName(key.Name, compress: false);
        writer.WriteUInt16((ushort)RecordType.TSIG);
        writer.WriteUInt16((ushort)RecordClass.ANY);
        writer.WriteUInt32(0);
        var rdlengthAt = writer.Position;
        writer.WriteUInt16(0);
        record.Write(ref writer, compress: false);
        if (writer.Overflowed)
        {
            throw new DnsFormatException("no room for the TSIG record");
        }

        writer.PatchUInt16(rdlengthAt, (ushort)(writer.Position - rdlengthAt - 2));
        var arcount = BinaryPrimitives.ReadUInt16BigEndian(buffer[10..]);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[10..], (ushort)(arcount + 1));
        return length + writer.Position;
    }

    /// <summary>Signs a whole message held in an array; returns the signed octets.</summary>
    public static byte[] Sign(byte[] message, TsigKey key, ulong timeSigned, ReadOnlySpan<byte> requestMac, out byte[] mac)
    {
        var buffer = new byte[message.Length + 512];
        message.CopyTo(buffer, 0);
        var length = Sign(buffer, message.Length, key, timeSigned, requestMac, out mac);
        return buffer[..length];
    }

    /// <summary>
    /// Finds and checks the TSIG record of <paramref name="message"/> against the keys known by name.
    /// <paramref name="unsignedBefore"/> are the unsigned messages of a zone transfer received since the last signed one,
    /// which the MAC must cover too (RFC 8945 §5.3.1).
    /// </summary>
    public static TsigVerification Verify(ReadOnlySpan<byte> message, Func<DomainName, TsigKey?> keys, ulong now, ReadOnlySpan<byte> requestMac,
        bool timersOnly = false, IReadOnlyList<byte[]>? unsignedBefore = null)
    {
        int offset;
        DomainName keyName;
        TsigRecord record;
        try
        {
            if (!TryLocate(message, out offset, out keyName, out record))
            {
                return new TsigVerification(TsigStatus.Unsigned, default, null, null, -1);
            }
        }
        catch (DnsFormatException)
        {
            return new TsigVerification(TsigStatus.FormErr, default, null, null, -1);
        }

        var key = keys(keyName);
        if (key is null || key.Algorithm != record.Algorithm)
        {
            return new TsigVerification(TsigStatus.BadKey, keyName, null, record, offset);
        }

        if (record.Mac.Length != key.MacLength)
        {
            return new TsigVerification(TsigStatus.BadSig, keyName, key, record, offset);
        }

        Span<byte> unsigned = message.Length <= 4096 ? stackalloc byte[offset] : new byte[offset];
        message[..offset].CopyTo(unsigned);
        BinaryPrimitives.WriteUInt16BigEndian(unsigned, record.OriginalId);
        var arcount = BinaryPrimitives.ReadUInt16BigEndian(unsigned[10..]);
        BinaryPrimitives.WriteUInt16BigEndian(unsigned[10..], (ushort)(arcount - 1));
        var expected = ComputeMac(key, unsigned, requestMac, keyName, record.Algorithm, record.TimeSigned, record.Fudge, record.Error, record.OtherData, timersOnly, unsignedBefore);
        if (!CryptographicOperations.FixedTimeEquals(expected, record.Mac))
        {
            return new TsigVerification(TsigStatus.BadSig, keyName, key, record, offset);
        }

        var skew = now > record.TimeSigned ? now - record.TimeSigned : record.TimeSigned - now;
        return skew > record.Fudge
            ? new TsigVerification(TsigStatus.BadTime, keyName, key, record, offset)
            : new TsigVerification(TsigStatus.Valid, keyName, key, record, offset);
    }

    /// <summary>Finds the TSIG record, which must be the last additional record (RFC 8945 §5.1).</summary>
    public static bool TryLocate(ReadOnlySpan<byte> message, out int offset, out DomainName keyName, out TsigRecord record)
    {
        offset = -1;
        keyName = default;
        record = null!;
        var reader = new DnsReader(message);
        reader.Position = 4;
        int qd = reader.ReadUInt16(), an = reader.ReadUInt16(), ns = reader.ReadUInt16(), ar = reader.ReadUInt16();
        Span<byte> scratch = stackalloc byte[DomainName.MaxWireLength];
        for (var i = 0; i < qd; i++)
        {
            reader.ReadName(scratch);
            reader.ReadBytes(4);
        }

        var total = an + ns + ar;
        for (var i = 0; i < total; i++)
        {
            var start = reader.Position;
            var name = reader.ReadName();
            var type = (RecordType)reader.ReadUInt16();
            reader.ReadBytes(6);
            int length = reader.ReadUInt16();
            if (type == RecordType.TSIG)
            {
                if (i != total - 1 || ar == 0)
                {
                    throw new DnsFormatException("TSIG is not the last record");
                }

                offset = start;
                keyName = name;
                record = TsigRecord.Read(ref reader, length);
                return reader.Remaining == 0 ? true : throw new DnsFormatException("octets after TSIG");
            }

            reader.ReadBytes(length);
        }

        return false;
    }

    private static byte[] ComputeMac(TsigKey key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> requestMac, DomainName keyName,
        DomainName algorithm, ulong timeSigned, ushort fudge, ResponseCode error, byte[] otherData, bool timersOnly, IReadOnlyList<byte[]>? unsignedBefore)
    {
        using var hmac = key.CreateHmac();
        Span<byte> two = stackalloc byte[2];
        if (requestMac.Length > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(two, (ushort)requestMac.Length);
            hmac.AppendData(two);
            hmac.AppendData(requestMac);
        }

        // §5.3.1: the unsigned messages since the last signed one, whole and as sent, come before this message.
        foreach (var earlier in unsignedBefore ?? [])
        {
            hmac.AppendData(earlier);
        }

        hmac.AppendData(message);
        Span<byte> variables = stackalloc byte[DomainName.MaxWireLength * 2 + 32 + otherData.Length];
        var writer = new DnsWriter(variables, []);
        if (!timersOnly)
        {
            writer.WriteBytes(keyName.ToLowerWire());
            writer.WriteUInt16((ushort)RecordClass.ANY);
            writer.WriteUInt32(0);
            writer.WriteBytes(algorithm.ToLowerWire());
        }

        TsigRecord.WriteTime(ref writer, timeSigned);
        writer.WriteUInt16(fudge);
        if (!timersOnly)
        {
            writer.WriteUInt16((ushort)error);
            writer.WriteUInt16((ushort)otherData.Length);
            writer.WriteBytes(otherData);
        }

        hmac.AppendData(writer.Written);
        return hmac.GetHashAndReset();
    }
}
