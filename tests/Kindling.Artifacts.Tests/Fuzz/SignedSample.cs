using System.Security.Cryptography;
using System.Text;
using Kindling.Artifacts.Access;

namespace Kindling.Artifacts.Tests.Fuzz;

/// <summary>A PUT signed the way aws-cli signs it (AWS Signature V4, header form), to mutate in properties.</summary>
internal static class SignedSample
{
    public const string AmzDate = "20260102T030405Z";
    public const string Scope = "20260102/us-east-1/s3/aws4_request";
    public const string SignedHeaders = "host;x-amz-content-sha256;x-amz-date";
    public static readonly DateTimeOffset SignedAt = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static Dictionary<string, string> Headers() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["host"] = "127.0.0.1:9000",
        ["x-amz-content-sha256"] = SignatureV4.UnsignedPayload,
        ["x-amz-date"] = AmzDate,
        ["authorization"] = $"AWS4-HMAC-SHA256 Credential=admin/{Scope}, SignedHeaders={SignedHeaders}, Signature={Signature()}",
    };

    public static SignedRequest Request(IReadOnlyDictionary<string, string> headers, string query = "?uploadId=7&partNumber=1") =>
        new("PUT", "/bucket/a%20key", query, name => headers.TryGetValue(name, out var v) ? v : null);

    public static string? Verify(SignedRequest request) =>
        SignatureV4.Verify(request, key => key == "admin" ? "secret" : null, new FixedTime(SignedAt), out _, out _);

    private static string Signature()
    {
        var canonical = $"PUT\n/bucket/a%20key\npartNumber=1&uploadId=7\nhost:127.0.0.1:9000\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:{AmzDate}\n\n{SignedHeaders}\nUNSIGNED-PAYLOAD";
        var stringToSign = $"AWS4-HMAC-SHA256\n{AmzDate}\n{Scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4secret");
        foreach (var part in Scope.Split('/'))
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
