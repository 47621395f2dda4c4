using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kindling.Artifacts.Access;

/// <summary>A request as AWS Signature Version 4 sees it: method, raw path and query, and header lookup.</summary>
public sealed record SignedRequest(string Method, string RawPath, string RawQuery, Func<string, string?> Header);

/// <summary>
/// Checks AWS Signature Version 4 (header form, "Signing AWS API requests", service s3) so aws-cli, rclone and
/// s3cmd can upload with the admin user as access key and its password as secret key. The payload hash the
/// client signed is returned so the body can be checked against it (<c>UNSIGNED-PAYLOAD</c> is accepted).
/// </summary>
public static class SignatureV4
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>Null when the signature is valid (then <paramref name="user"/> and <paramref name="payloadHash"/> are set); else why not.</summary>
    public static string? Verify(SignedRequest request, Func<string, string?> secretFor, TimeProvider time, out string? user, out string? payloadHash)
    {
        user = null;
        payloadHash = null;
        var authorization = request.Header("authorization") ?? "";
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return "not an AWS4-HMAC-SHA256 authorization";
        }

        var parts = authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signedHeaders) || !parts.TryGetValue("Signature", out var signature))
        {
            return "the authorization lacks Credential, SignedHeaders or Signature";
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
        {
            return $"credential scope '{credential}' is not ACCESSKEY/DATE/REGION/SERVICE/aws4_request";
        }

        var secret = secretFor(scope[0]);
        if (secret is null)
        {
            return $"access key '{scope[0]}' is not a user of this node";
        }

        var amzDate = request.Header("x-amz-date") ?? request.Header("date");
        if (amzDate is null || !DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return "x-amz-date is missing or not yyyyMMddTHHmmssZ";
        }

        if ((time.GetUtcNow() - signedAt).Duration() > TimeSpan.FromMinutes(15))
        {
            return $"the request was signed at {amzDate}, more than 15 minutes from the node's clock";
        }

        payloadHash = request.Header("x-amz-content-sha256") ?? UnsignedPayload;
        var headers = signedHeaders.Split(';');
        var canonical = new StringBuilder()
            .Append(request.Method).Append('\n')
            .Append(string.IsNullOrEmpty(request.RawPath) ? "/" : request.RawPath).Append('\n')
            .Append(CanonicalQuery(request.RawQuery)).Append('\n');
        foreach (var header in headers)
        {
            var value = request.Header(header) ?? "";
            canonical.Append(header).Append(':').Append(string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var stringToSign = $"{Algorithm}\n{amzDate}\n{string.Join('/', scope[1..])}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), scope[1]);
        key = Hmac(key, scope[2]);
        key = Hmac(key, scope[3]);
        key = Hmac(key, "aws4_request");
        var expected = Hex(Hmac(key, stringToSign));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            return "the signature does not match (wrong secret key, or the request was changed)";
        }

        user = scope[0];
        return null;
    }

    /// <summary>Query parameters decoded, re-encoded the SigV4 way, sorted by name then value.</summary>
    private static string CanonicalQuery(string rawQuery)
    {
        if (string.IsNullOrEmpty(rawQuery) || rawQuery == "?")
        {
            return "";
        }

        return string.Join('&', rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Encode(Uri.UnescapeDataString(p[0].Replace('+', ' '))), Value: Encode(p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "")))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>RFC 3986 encoding of everything but unreserved characters, uppercase hex (as SigV4 requires).</summary>
    public static string Encode(string text)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
