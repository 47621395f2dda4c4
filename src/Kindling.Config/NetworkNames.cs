using System.Net;
using System.Net.Sockets;

namespace Kindling.Config;

/// <summary>Strict checks for the addresses and host names a ClusterConfig may hold.</summary>
public static class NetworkNames
{
    /// <summary>
    /// Parses an IPv4 address in dotted-quad form or an IPv6 address. Unlike <see cref="IPAddress.TryParse(string, out IPAddress)"/>
    /// it refuses shorthand such as "10.1" or "1", which operators never mean.
    /// </summary>
    public static bool TryParseIp(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrWhiteSpace(text) || text != text.Trim())
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
            {
                address = v6;
                return true;
            }

            return false;
        }

        var parts = text.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) > 255))
        {
            return false;
        }

        address = IPAddress.Parse(text);
        return true;
    }

    public static bool IsIp(string? text) => TryParseIp(text, out _);

    /// <summary>True when the text is a host name per RFC 1123 (letters, digits, hyphens; labels of 1–63; 253 in all).</summary>
    public static bool IsHostName(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var name = text.EndsWith('.') ? text[..^1] : text;
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        var labels = name.Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-'))
            {
                return false;
            }

            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        // A name of digits and dots only is a mistyped IP address, not a host name.
        return !labels[^1].All(char.IsAsciiDigit);
    }

    /// <summary>Explains why text is neither an IP address nor a host name, for error messages.</summary>
    public static string DescribeInvalidHost(string text) =>
        text.All(c => char.IsAsciiDigit(c) || c == '.')
            ? $"\"{text}\" is not an IP address"
            : $"\"{text}\" is neither an IP address nor a valid host name";
}
