namespace Kindling.Dns.Records;

/// <summary>TTL and duration text as BIND reads it: seconds, or units w/d/h/m/s combined (<c>1W</c>, <c>1h30m</c>).</summary>
internal static class Ttl
{
    public static bool TryParse(ReadOnlySpan<char> text, out uint seconds)
    {
        seconds = 0;
        if (text.Length == 0)
        {
            return false;
        }

        ulong total = 0;
        ulong current = 0;
        var haveDigits = false;
        var haveUnit = false;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                current = (current * 10) + (ulong)(c - '0');
                haveDigits = true;
                if (current > uint.MaxValue)
                {
                    return false;
                }

                continue;
            }

            var unit = UnitSeconds(c);
            if (!haveDigits || unit == 0)
            {
                return false; // a unit needs a number before it
            }

            total += current * unit;
            current = 0;
            haveDigits = false;
            haveUnit = true;
        }

        if (haveDigits)
        {
            if (haveUnit)
            {
                return false; // BIND rejects "1h30": a trailing number needs a unit once units are used
            }

            total = current;
        }

        if (total > uint.MaxValue)
        {
            return false;
        }

        seconds = (uint)total;
        return true;
    }

    /// <summary>Seconds in one TTL unit letter (w, d, h, m, s in either case); 0 when it is not a unit.</summary>
    private static ulong UnitSeconds(char unit) => char.ToLowerInvariant(unit) switch
    {
        'w' => 604800,
        'd' => 86400,
        'h' => 3600,
        'm' => 60,
        's' => 1,
        _ => 0,
    };
}
