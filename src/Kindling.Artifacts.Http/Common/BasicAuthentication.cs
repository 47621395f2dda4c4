using System.Globalization;
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

    /// <summary>
    /// Credentials not checked now (the client is backing off after wrong passwords, or every check slot is busy):
    /// answered 429 (registry, charts) or 503 SlowDown (files) with <c>Retry-After</c>.
    /// </summary>
    Throttled,
}

internal static class BasicAuthentication
{
    public const string Challenge = "Basic realm=\"kindling\", charset=\"UTF-8\"";

    private const string ItemKey = "kindling.caller";

    /// <summary>
    /// Checks the request's Basic credentials once, through the <paramref name="gate"/> (so wrong passwords have a
    /// bounded cost), before any handler runs; <see cref="Identify"/> then reads the outcome. A request without an
    /// <c>Authorization</c> header costs nothing here. A throttled request gets its <c>Retry-After</c> header now.
    /// </summary>
    public static async ValueTask AuthenticateAsync(HttpContext context, LoginGate gate)
    {
        var caller = Parse(context.Request, out var user, out var password);
        if (caller == Caller.Authenticated)
        {
            var result = await gate.CheckAsync(user!, password!, context.Connection.RemoteIpAddress);
            caller = result.Outcome switch
            {
                LoginOutcome.Verified => Caller.Authenticated,
                LoginOutcome.Throttled => Caller.Throttled,
                _ => Caller.Rejected,
            };
            if (caller == Caller.Throttled)
            {
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(result.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }
        }

        context.Items[ItemKey] = caller;
    }

    /// <summary>The caller as <see cref="AuthenticateAsync"/> found it (Rejected when it did not run and credentials were sent).</summary>
    public static Caller Identify(HttpRequest request)
    {
        if (request.HttpContext.Items.TryGetValue(ItemKey, out var found) && found is Caller caller)
        {
            return caller;
        }

        return request.Headers.Authorization.Count == 0 ? Caller.Anonymous : Caller.Rejected;
    }

    /// <summary>The caller the header alone decides (Authenticated meaning "credentials to check", returned in the out values).</summary>
    private static Caller Parse(HttpRequest request, out string? user, out string? password)
    {
        user = null;
        password = null;
        var header = request.Headers.Authorization;
        if (header.Count == 0)
        {
            return Caller.Anonymous;
        }

        var value = header.ToString();
        if (value.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
        {
            // Signature V4 (files port) is checked by the files service itself: an HMAC, cheap, no bcrypt.
            return Caller.Rejected;
        }

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

        user = decoded[..colon];
        password = decoded[(colon + 1)..];
        return Caller.Authenticated;
    }
}
