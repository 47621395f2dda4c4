using System.Diagnostics.CodeAnalysis;

namespace Kindling.Installer.Package;

/// <summary>A content digest, <c>algorithm:hex</c> (OCI Image Format Specification v1.1, "descriptor.md#digests").</summary>
public readonly record struct OciDigest(string Algorithm, string Hex)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out OciDigest? digest, out string error)
    {
        digest = null;
        var colon = text?.IndexOf(':') ?? -1;
        if (text is null || colon <= 0)
        {
            error = $"'{text}' is not a digest (expected sha256:<64 hex digits>)";
            return false;
        }

        var algorithm = text[..colon];
        var hex = text[(colon + 1)..];
        if (algorithm != "sha256")
        {
            error = $"digest '{text}' uses {algorithm}; packages use sha256 only";
            return false;
        }

        if (hex.Length != 64 || !hex.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
        {
            error = $"digest '{text}' is not sha256:<64 lowercase hex digits>";
            return false;
        }

        digest = new OciDigest(algorithm, hex);
        error = "";
        return true;
    }

    public static OciDigest Sha256(ReadOnlySpan<byte> hash) => new("sha256", Convert.ToHexStringLower(hash));

    /// <summary>Where the blob lives inside an OCI layout: <c>blobs/sha256/HEX</c>.</summary>
    public string LayoutPath => $"blobs/{Algorithm}/{Hex}";

    public override string ToString() => $"{Algorithm}:{Hex}";
}
