namespace Kindling.Dns.Tsig;

/// <summary>
/// Checks the TSIG of the reply messages of a zone transfer as they arrive (RFC 8945 §5.3.1): the first message must be
/// signed (its MAC over the request's), a primary may then leave up to 99 messages in a row unsigned (older NSD releases
/// signed only every 96th), the next signed message's MAC covering the previous MAC, every unsigned message's octets and
/// its own with the timers only; the last message must be signed. Records of unsigned messages are trusted only once a
/// later signed message verifies, so a caller uses the transfer only after <see cref="Finish"/>. Holds at most 99
/// unsigned messages (each at most 64 KiB) at a time. Failures raise <see cref="IOException"/> naming the message number.
/// </summary>
internal sealed class TsigStreamVerifier(TsigKey key, byte[] requestMac, TimeProvider time)
{
    /// <summary>How many messages in a row may be unsigned (§5.3.1: the client MUST accept up to 99).</summary>
    public const int MaxUnsigned = 99;

    private readonly List<byte[]> _unsigned = [];
    private byte[] _mac = requestMac;

    /// <summary>Messages seen so far.</summary>
    public int Messages { get; private set; }

    /// <summary>
    /// Checks the next message; true when it carried a TSIG that verified (everything up to it is authentic), false when
    /// it was unsigned and waits for the next signed one.
    /// </summary>
    public bool Add(ReadOnlySpan<byte> message)
    {
        Messages++;
        var check = TsigSigner.Verify(message, name => name == key.Name ? key : null, TsigSigner.Now(time), _mac, timersOnly: Messages > 1, _unsigned);
        if (check.Status == TsigStatus.Unsigned)
        {
            if (Messages == 1)
            {
                throw new IOException($"message 1 carries no TSIG (key {key.Name}): the first message of a transfer must be signed");
            }

            if (_unsigned.Count == MaxUnsigned)
            {
                throw new IOException($"messages {Messages - MaxUnsigned} to {Messages} carry no TSIG (key {key.Name}): at most {MaxUnsigned} in a row may be unsigned (RFC 8945 §5.3.1)");
            }

            _unsigned.Add(message.ToArray());
            return false;
        }

        if (check.Status != TsigStatus.Valid)
        {
            var covering = _unsigned.Count == 0 ? "" : $", its MAC covering the {_unsigned.Count} unsigned messages before it";
            throw new IOException($"message {Messages}: TSIG {check.Status} (key {key.Name}{covering})");
        }

        _mac = check.Record!.Mac;
        _unsigned.Clear();
        return true;
    }

    /// <summary>At the end of the transfer: the last message must have been signed.</summary>
    public void Finish()
    {
        if (_unsigned.Count > 0)
        {
            throw new IOException($"the last message ({Messages}) carries no TSIG (key {key.Name}): a transfer must end with a signed message, or its last {_unsigned.Count} messages are unauthenticated");
        }
    }
}
