using System.Text;
using Kindling.Artifacts.Access;
using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Common;

/// <summary>Who sent a request, from its HTTP Basic <c>Authorization</c> header (RFC 7617).</summary>
internal enum Caller
{
    /// <summary>No credentials (or the empty ones some clients send after a Basic challenge): may read.</summary>
    Anonymous,

    /// <summary>Valid credentials: may read and write.</summary>
    Authenticated,

    /// <summary>Credentials that do not match, or another scheme: answered 401 so the user sees the mistake.</summary>
    Rejected,
}

internal static class BasicAuthentication
{
    public const string Challenge = "Basic realm=\"kindling\", charset=\"UTF-8\"";

    public static Caller Identify(HttpRequest request, Credentials credentials)
    {
        var header = request.Headers.Authorization;
        if (header.Count == 0)
        {
            return Caller.Anonymous;
        }

        var value = header.ToString();
        if (!value.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return Caller.Rejected;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value[6..].Trim()));
        }
        catch (FormatException)
        {
            return Caller.Rejected;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return Caller.Rejected;
        }

        if (colon == 0 && decoded.Length == 1)
        {
            // containers/image answers a Basic challenge with empty credentials when it has none: a reader.
            return Caller.Anonymous;
        }

        return credentials.Check(decoded[..colon], decoded[(colon + 1)..]) ? Caller.Authenticated : Caller.Rejected;
    }
}
