using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Kindling.Artifacts.Storage;

/// <summary>
/// A content digest as the OCI Image Specification v1.1 "Digests" section writes it (<c>algorithm:encoded</c>),
/// restricted to <c>sha256</c> with 64 lowercase hex characters: the only algorithm this store addresses by.
/// </summary>
public readonly record struct Digest
{
    public const string Algorithm = "sha256";
    private const string Prefix = "sha256:";

    private Digest(string value) => Value = value;

    /// <summary>The canonical text, <c>sha256:</c> followed by 64 lowercase hex characters.</summary>
    public string Value { get; }

    /// <summary>The 64 hex characters (the file name in the blob store).</summary>
    public string Hex => Value[Prefix.Length..];

    public override string ToString() => Value;

    /// <summary>Parses a digest; the error says what is wrong (other algorithm, bad length, bad characters).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Digest? digest, [NotNullWhen(false)] out string? error)
    {
        digest = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "digest is empty";
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = $"digest '{Shorten(text)}' is not of the form sha256:<64 hex characters>";
            return false;
        }

        var algorithm = text[..colon];
        if (!string.Equals(algorithm, Algorithm, StringComparison.Ordinal))
        {
            error = $"digest algorithm '{Shorten(algorithm)}' is not supported: this registry stores sha256 digests only";
            return false;
        }

        var hex = text.AsSpan(colon + 1);
        if (hex.Length != 64 || !IsLowerHex(hex))
        {
            error = $"digest '{Shorten(text)}' is not sha256:<64 lowercase hex characters>";
            return false;
        }

        error = null;
        digest = new Digest(text);
        return true;
    }

    public static Digest Parse(string text) =>
        TryParse(text, out var digest, out var error) ? digest.Value : throw new FormatException(error);

    /// <summary>The digest of a 32-byte SHA-256 hash value.</summary>
    public static Digest FromHash(ReadOnlySpan<byte> sha256) =>
        sha256.Length == 32 ? new Digest(Prefix + Convert.ToHexStringLower(sha256)) : throw new ArgumentException("a SHA-256 hash has 32 bytes", nameof(sha256));

    public static Digest Of(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    private static bool IsLowerHex(ReadOnlySpan<char> hex)
    {
        foreach (var c in hex)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
