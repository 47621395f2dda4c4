using System.Security.Cryptography;

namespace Kindling.Dns.Tsig;

/// <summary>A TSIG shared secret (RFC 8945 §6) as BIND's <c>key</c> statement declares it.</summary>
public sealed class TsigKey
{
    private static readonly Dictionary<string, (DomainName Name, int MacLength)> Algorithms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["hmac-md5"] = (DomainName.Parse("hmac-md5.sig-alg.reg.int."), 16),
        ["hmac-md5.sig-alg.reg.int"] = (DomainName.Parse("hmac-md5.sig-alg.reg.int."), 16),
        ["hmac-sha1"] = (DomainName.Parse("hmac-sha1."), 20),
        ["hmac-sha256"] = (DomainName.Parse("hmac-sha256."), 32),
        ["hmac-sha384"] = (DomainName.Parse("hmac-sha384."), 48),
        ["hmac-sha512"] = (DomainName.Parse("hmac-sha512."), 64),
    };

    public TsigKey(DomainName name, string algorithm, byte[] secret)
    {
        var key = algorithm.TrimEnd('.');
        if (!Algorithms.TryGetValue(key, out var info))
        {
            throw new DnsFormatException($"unsupported TSIG algorithm '{algorithm}' (use hmac-sha256 or hmac-sha512; hmac-sha1, hmac-sha384 and hmac-md5 also work)");
        }

        Name = name;
        Algorithm = info.Name;
        AlgorithmText = key.ToLowerInvariant();
        MacLength = info.MacLength;
        Secret = secret;
    }

    public DomainName Name { get; }

    /// <summary>The algorithm's name as it appears in the TSIG record (RFC 8945 §6).</summary>
    public DomainName Algorithm { get; }

    public string AlgorithmText { get; }

    public int MacLength { get; }

    public byte[] Secret { get; }

    public static TsigKey FromBase64(string name, string algorithm, string secret)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(secret);
        }
        catch (FormatException)
        {
            throw new DnsFormatException($"key {name}: the secret is not valid base64");
        }

        return new TsigKey(DomainName.Parse(name), algorithm, bytes);
    }

    public static bool IsSupported(DomainName algorithm) => Algorithms.Values.Any(a => a.Name == algorithm);

    internal IncrementalHash CreateHmac() => AlgorithmText switch
    {
        "hmac-md5" or "hmac-md5.sig-alg.reg.int" => IncrementalHash.CreateHMAC(HashAlgorithmName.MD5, Secret),
        "hmac-sha1" => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, Secret),
        "hmac-sha256" => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Secret),
        "hmac-sha384" => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA384, Secret),
        _ => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA512, Secret),
    };
}
