namespace Kindling.Installer.Package;

/// <summary>
/// The names inside an offline package folder (docs/offline-package.md draws the tree). The images folder is an
/// OCI image layout (OCI Image Format Specification v1.1, "image-layout.md").
/// </summary>
internal static class PackageLayout
{
    public const string ImagesDir = "images";
    public const string ChartsDir = "charts";
    public const string FilesDir = "files";

    /// <summary>kubean's binaries archive: entries <c>offline-files/&lt;host&gt;/&lt;path&gt;</c>.</summary>
    public const string OfflineFilesArchive = "offline-files.tar.gz";

    /// <summary>sha256sum format, one line per file of the package except itself.</summary>
    public const string Checksums = "checksums.sha256";

    /// <summary>One line: the package's version (shown by upgrades).</summary>
    public const string VersionFile = "VERSION";

    /// <summary>The file store bucket that files, OS packages and ISO content are imported into (DCE's MinIO bucket).</summary>
    public const string FilesBucket = "kubean";

    /// <summary>The OCI annotation carrying an image's full upstream reference.</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    /// <summary>The top folder of kubean's offline-files.tar.gz.</summary>
    internal const string OfflineFilesPrefix = "offline-files/";

    /// <summary>kubean's import_files.sh lifts this mirror folder's content to the top (CN builds of the archive).</summary>
    internal const string DaoCloudMirrorPrefix = "files.m.daocloud.io/";

    /// <summary>Where a blob lives inside an OCI image layout: <c>blobs/sha256/HEX</c>.</summary>
    public static string LayoutPath(this Kindling.Artifacts.Storage.Digest digest) => $"blobs/{Kindling.Artifacts.Storage.Digest.Algorithm}/{digest.Hex}";
}
