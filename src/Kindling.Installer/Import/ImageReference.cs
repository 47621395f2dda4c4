namespace Kindling.Installer.Import;

/// <summary>
/// A full upstream image reference as an offline package names it (<c>org.opencontainers.image.ref.name</c>),
/// e.g. <c>release.daocloud.io/kpanda/apiserver:v0.20.0</c>: the node keeps the upstream host as the first
/// path segment of the repository, so clients pull <c>NODE/release.daocloud.io/kpanda/apiserver:v0.20.0</c>.
/// </summary>
public sealed record ImageReference(string Repository, string? Tag, string? Digest)
{
    public static bool TryParse(string text, out ImageReference reference, out string error)
    {
        reference = null!;
        error = "";
        var at = text.IndexOf('@', StringComparison.Ordinal);
        string? digest = null;
        var rest = text;
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            rest = text[..at];
        }

        // A tag follows the last ':' after the last '/', so a registry port (host:5000/x) is not a tag.
        var slash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        string? tag = null;
        if (colon > slash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        if (rest.Length == 0 || (tag is null && digest is null))
        {
            error = $"\"{text}\" is not a full image reference (expected host/path:tag, e.g. release.daocloud.io/kpanda/apiserver:v0.20.0)";
            return false;
        }

        if (!rest.Contains('/', StringComparison.Ordinal))
        {
            // docker.io's short names: "nginx:1.25" is docker.io/library/nginx.
            rest = "docker.io/library/" + rest;
        }

        reference = new ImageReference(rest, tag, digest);
        return true;
    }

    public override string ToString() => Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
}
