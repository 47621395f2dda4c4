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
    public static string? Verify(SignedRequest request, Func<string, string?> secretFor, TimeProvider time, out string? user, out string? payloadHash) =>
        Verify(request, secretFor, time, out user, out payloadHash, out _);

    /// <summary>
    /// As <see cref="Verify(SignedRequest, Func{string, string?}, TimeProvider, out string?, out string?)"/>;
    /// <paramref name="malformed"/> tells a header that is not <c>AWS4-HMAC-SHA256 Credential=...,
    /// SignedHeaders=..., Signature=...</c> (each part exactly once: S3 answers 400 AuthorizationHeaderMalformed)
    /// from a well-formed one that does not match (403 SignatureDoesNotMatch).
    /// </summary>
    public static string? Verify(SignedRequest request, Func<string, string?> secretFor, TimeProvider time, out string? user, out string? payloadHash, out bool malformed)
    {
        user = null;
        payloadHash = null;
        malformed = true;
        var authorization = request.Header("authorization") ?? "";
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return "not an AWS4-HMAC-SHA256 authorization";
        }

        if (ParseParts(authorization[(Algorithm.Length + 1)..]) is not { } parts)
        {
            return "the authorization is not 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...' with each part once";
        }

        var (credential, signedHeaders, signature) = parts;
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope.Any(p => p.Length == 0))
        {
            return $"credential scope '{Shorten(credential)}' is not ACCESSKEY/DATE/REGION/SERVICE/aws4_request";
        }

        var headers = signedHeaders.Split(';');
        if (headers.Any(h => h.Length == 0 || h.Any(c => char.IsAsciiLetterUpper(c) || char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            return $"SignedHeaders '{Shorten(signedHeaders)}' is not a ';'-separated list of lowercase header names";
        }

        malformed = false;

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
        var canonical = CanonicalRequest(request, headers, signedHeaders, payloadHash);
        var expected = Signature(secret, scope, amzDate, canonical);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            return "the signature does not match (wrong secret key, or the request was changed)";
        }

        user = scope[0];
        return null;
    }

    /// <summary>The canonical request: method, path, sorted query, the signed headers (values' spaces folded) and the payload hash.</summary>
    private static string CanonicalRequest(SignedRequest request, string[] headers, string signedHeaders, string payloadHash)
    {
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
        return canonical.ToString();
    }

    /// <summary>The signature (lowercase hex) of the canonical request with the key derived from the secret and the credential scope.</summary>
    private static string Signature(string secret, string[] scope, string amzDate, string canonical)
    {
        var stringToSign = $"{Algorithm}\n{amzDate}\n{string.Join('/', scope[1..])}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), scope[1]);
        key = Hmac(key, scope[2]);
        key = Hmac(key, scope[3]);
        key = Hmac(key, "aws4_request");
        return Hex(Hmac(key, stringToSign));
    }

    /// <summary>The three parts of the header, each exactly once and nothing else; null when it is not so.</summary>
    private static (string Credential, string SignedHeaders, string Signature)? ParseParts(string text)
    {
        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == part.Length - 1)
            {
                return null;
            }

            var value = part[(equals + 1)..];
            switch (part[..equals])
            {
                case "Credential" when credential is null:
                    credential = value;
                    break;
                case "SignedHeaders" when signedHeaders is null:
                    signedHeaders = value;
                    break;
                case "Signature" when signature is null:
                    signature = value;
                    break;
                default:
                    return null;
            }
        }

        return credential is null || signedHeaders is null || signature is null ? null : (credential, signedHeaders, signature);
    }

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "...";

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
