namespace Kindling.Installer.Package;

/// <summary>A content descriptor (OCI Image Format Specification v1.1, "descriptor.md").</summary>
public sealed record OciDescriptor(string MediaType, OciDigest Digest, long Size)
{
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>"os/architecture[/variant]" of an index entry, when it names one.</summary>
    public string? Platform { get; init; }

    public bool IsIndex => MediaType is OciMediaTypes.ImageIndex or OciMediaTypes.DockerManifestList;

    public bool IsManifest => MediaType is OciMediaTypes.ImageManifest or OciMediaTypes.DockerManifest;
}

/// <summary>The media types a package's image layout holds (OCI v1.1 "media-types.md"; Docker schema 2 accepted).</summary>
public static class OciMediaTypes
{
    public const string ImageIndex = "application/vnd.oci.image.index.v1+json";
    public const string ImageManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string ImageConfig = "application/vnd.oci.image.config.v1+json";
    public const string LayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
}
