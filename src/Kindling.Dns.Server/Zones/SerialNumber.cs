namespace Kindling.Dns.Server.Zones;

/// <summary>SOA serial arithmetic (RFC 1982 §3.1, §3.2) with SERIAL_BITS = 32.</summary>
internal static class SerialNumber
{
    /// <summary>The next serial: +1 modulo 2^32, skipping 0 as BIND does (some secondaries treat 0 as "unset").</summary>
    public static uint Next(uint serial) => serial == uint.MaxValue ? 1 : serial + 1;

    /// <summary>Whether <paramref name="a"/> is greater than <paramref name="b"/> in RFC 1982 terms (undefined pairs are not).</summary>
    public static bool IsGreater(uint a, uint b) =>
        (a < b && b - a > 0x8000_0000u) || (a > b && a - b < 0x8000_0000u);
}
