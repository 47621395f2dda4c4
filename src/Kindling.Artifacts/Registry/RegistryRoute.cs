namespace Kindling.Artifacts.Registry;

/// <summary>What a <c>/v2/...</c> path addresses (OCI Distribution Specification v1.1, "Endpoints" table).</summary>
public enum RegistryRouteKind
{
    NotFound,
    Base,
    Catalog,
    Tags,
    Manifest,
    Blob,
    UploadStart,
    Upload,
    Referrers,
}

/// <summary>
/// A parsed registry path. Repository names may contain '/' (and even the words "manifests" or "blobs"), so the
/// path is split at the last keyword segment; the name is validated as a name, the reference as a tag or digest.
/// </summary>
public readonly record struct RegistryRoute(RegistryRouteKind Kind, string Name = "", string Reference = "")
{
    private const string Root = "/v2/";

    /// <summary>Parses a decoded request path. Returns NotFound for paths outside the API.</summary>
    public static RegistryRoute Parse(string path)
    {
        if (!path.StartsWith(Root, StringComparison.Ordinal))
        {
            return path == "/v2" ? new(RegistryRouteKind.Base) : default;
        }

        var rest = path.AsSpan(Root.Length);
        if (rest.IsEmpty)
        {
            return new(RegistryRouteKind.Base);
        }

        if (rest is "_catalog")
        {
            return new(RegistryRouteKind.Catalog);
        }

        if (rest.EndsWith("/tags/list", StringComparison.Ordinal))
        {
            return new(RegistryRouteKind.Tags, rest[..^"/tags/list".Length].ToString());
        }

        if (rest.EndsWith("/blobs/uploads/", StringComparison.Ordinal) || rest.EndsWith("/blobs/uploads", StringComparison.Ordinal))
        {
            var cut = rest.LastIndexOf("/blobs/uploads", StringComparison.Ordinal);
            return new(RegistryRouteKind.UploadStart, rest[..cut].ToString());
        }

        return Split(rest, "/blobs/uploads/", RegistryRouteKind.Upload)
            ?? Split(rest, "/manifests/", RegistryRouteKind.Manifest)
            ?? Split(rest, "/blobs/", RegistryRouteKind.Blob)
            ?? Split(rest, "/referrers/", RegistryRouteKind.Referrers)
            ?? default;
    }

    private static RegistryRoute? Split(ReadOnlySpan<char> rest, string keyword, RegistryRouteKind kind)
    {
        var at = rest.LastIndexOf(keyword, StringComparison.Ordinal);
        if (at <= 0)
        {
            return null;
        }

        var reference = rest[(at + keyword.Length)..];
        if (reference.IsEmpty || reference.Contains('/'))
        {
            return null;
        }

        return new(kind, rest[..at].ToString(), reference.ToString());
    }
}
