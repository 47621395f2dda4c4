using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kindling.Health.Peers;

/// <summary>
/// Signs and checks peer views. The body is the view as JSON; the header <see cref="MacHeader"/> carries
/// base64(HMAC-SHA256(secret, <see cref="Context"/> + body)), compared in constant time over the raw octets before
/// the body is parsed at all. Bodies are at most <see cref="MaxBodyBytes"/>.
/// </summary>
internal static class PeerViewCodec
{
    public const string MacHeader = "X-Kindling-Peer-Mac";

    /// <summary>The largest view accepted (a view of a few records is well under 2 KiB).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Domain separation: a MAC made for anything else under the same secret is not a view's MAC.</summary>
    private static readonly byte[] Context = Encoding.ASCII.GetBytes("kindling-peer-view-v1\n");

    public static (byte[] Body, string Mac) Encode(PeerView view, ReadOnlySpan<byte> secret)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(view, PeerJson.Default.PeerView);
        return (body, Convert.ToBase64String(Mac(body, secret)));
    }

    /// <summary>
    /// Checks the MAC over the raw octets, then reads the view. In this order, and nothing else first: a body over
    /// <see cref="MaxBodyBytes"/> is refused before any work, and a body whose MAC does not verify never reaches the
    /// JSON parser, so nothing an unauthenticated sender writes is read, logged or used as a label.
    /// <paramref name="authentic"/> tells a bad MAC (false) from an authentic body that is no view this version
    /// reads (true, with <paramref name="view"/> null: a newer or older kindling, or a bug).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, string? mac, ReadOnlySpan<byte> secret, out PeerView? view, out bool authentic, out string error)
    {
        view = null;
        authentic = false;
        if (body.Length > MaxBodyBytes)
        {
            error = $"body of {body.Length} bytes is over the {MaxBodyBytes}-byte limit";
            return false;
        }

        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (mac is null || !Convert.TryFromBase64String(mac, given, out var written) || written != HMACSHA256.HashSizeInBytes)
        {
            error = mac is null ? $"no {MacHeader} header" : $"{MacHeader} is not a base64 HMAC-SHA256";
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Mac(body, secret, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            error = "MAC does not verify (another secret, or the view was altered)";
            return false;
        }

        authentic = true;
        var parsed = TryParse(body);
        if (parsed is null || parsed.Version != PeerView.CurrentVersion || string.IsNullOrEmpty(parsed.Instance) || parsed.Records is null)
        {
            error = parsed is null
                ? "the MAC verifies but the body is not a peer view"
                : $"the MAC verifies but view version {parsed.Version} is not {PeerView.CurrentVersion}, or it has no instance or records (instances of different kindling versions?)";
            return false;
        }

        view = parsed;
        error = "";
        return true;
    }

    private static byte[] Mac(ReadOnlySpan<byte> body, ReadOnlySpan<byte> secret)
    {
        var mac = new byte[HMACSHA256.HashSizeInBytes];
        Mac(body, secret, mac);
        return mac;
    }

    private static void Mac(ReadOnlySpan<byte> body, ReadOnlySpan<byte> secret, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(Context);
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }

    private static PeerView? TryParse(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, PeerJson.Default.PeerView);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
