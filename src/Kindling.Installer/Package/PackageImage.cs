using Kindling.Artifacts.Registry;
namespace Kindling.Installer.Package;

/// <summary>
/// One image of the package: its full upstream reference (the index entry's <c>org.opencontainers.image.ref.name</c>),
/// split the way the node's registry names it (the upstream host stays the first path segment), and the descriptor
/// of its manifest or multi-architecture index in the package's OCI layout.
/// </summary>
/// <param name="Reference">e.g. <c>release.daocloud.io/kpanda/apiserver:v0.20.0</c>.</param>
/// <param name="Repository">e.g. <c>release.daocloud.io/kpanda/apiserver</c>.</param>
/// <param name="Tag">e.g. <c>v0.20.0</c>; null when the reference pins a digest only.</param>
public sealed record PackageImage(string Reference, string Repository, string? Tag, Descriptor Descriptor)
{
    /// <summary>Splits a full reference; false when it is not <c>host/path[:tag][@digest]</c>.</summary>
    public static bool TryParseReference(string reference, out string repository, out string? tag)
    {
        repository = "";
        tag = null;
        var name = reference;
        var at = name.IndexOf('@');
        if (at >= 0)
        {
            name = name[..at];
        }

        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > slash)
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
            if (tag.Length is 0 or > 128 || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-') || tag[0] is '.' or '-')
            {
                return false;
            }
        }

        repository = name;
        var segments = name.Split('/');
        return segments.Length >= 2
            && segments.All(s => s.Length > 0)
            && segments.Skip(1).All(s => s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))
            && (tag is not null || at >= 0);
    }
}
