namespace Kindling.Dns.Wire;

/// <summary>
/// The bits of the DNS header's second 16-bit word (RFC 1035 §4.1.1; AD and CD from RFC 4035 §3.2): QR, OPCODE, AA,
/// TC, RD, RA, Z, AD, CD, RCODE.
/// </summary>
internal static class HeaderFlags
{
    /// <summary>QR: the message is a response.</summary>
    public const ushort Response = 0x8000;

    /// <summary>The four OPCODE bits.</summary>
    public const ushort OpcodeMask = 0x7800;

    /// <summary>Where the OPCODE starts: <c>(flags &amp; OpcodeMask) &gt;&gt; OpcodeShift</c>.</summary>
    public const int OpcodeShift = 11;

    /// <summary>AA: authoritative answer.</summary>
    public const ushort AuthoritativeAnswer = 0x0400;

    /// <summary>TC: truncated.</summary>
    public const ushort Truncated = 0x0200;

    /// <summary>RD: recursion desired.</summary>
    public const ushort RecursionDesired = 0x0100;

    /// <summary>RA: recursion available.</summary>
    public const ushort RecursionAvailable = 0x0080;

    /// <summary>Z: reserved, zero.</summary>
    public const ushort Z = 0x0040;

    /// <summary>AD: authentic data.</summary>
    public const ushort AuthenticData = 0x0020;

    /// <summary>CD: checking disabled.</summary>
    public const ushort CheckingDisabled = 0x0010;

    /// <summary>The four low RCODE bits (the high ones travel in the OPT record, RFC 6891 §6.1.3).</summary>
    public const ushort RcodeMask = 0x000F;

    /// <summary>QR as a bit of the header's third octet (the high byte of the flags word).</summary>
    public const byte ResponseInHighByte = Response >> 8;
}
