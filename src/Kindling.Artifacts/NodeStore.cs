using Kindling.Artifacts.Access;
using Kindling.Artifacts.Charts;
using Kindling.Artifacts.Content;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Artifacts;

/// <summary>
/// Everything a bootstrap node serves, opened from its data folder (docs/storage-layout.md): the shared blob
/// store, the registry, upload sessions, the chart repository and the users allowed to write.
/// </summary>
public sealed class NodeStore
{
    private NodeStore(string dataDirectory, BlobStore blobs, RegistryStore registry, UploadSessions uploads, ChartStore charts, FileStore files, Credentials credentials, string? newAdminPassword,
        ContentDigest content)
    {
        Content = content;
        DataDirectory = dataDirectory;
        Blobs = blobs;
        Registry = registry;
        Uploads = uploads;
        Charts = charts;
        Files = files;
        Credentials = credentials;
        NewAdminPassword = newAdminPassword;
    }

    public string DataDirectory { get; }
    public BlobStore Blobs { get; }
    public RegistryStore Registry { get; }
    public UploadSessions Uploads { get; }
    public ChartStore Charts { get; }
    public FileStore Files { get; }
    public Credentials Credentials { get; }

    /// <summary>The digest over everything served by name (<c>GET /kindling/v1/content-digest</c>), kept current by the stores.</summary>
    public ContentDigest Content { get; }

    /// <summary>The admin password when this open created it (print it once), otherwise null.</summary>
    public string? NewAdminPassword { get; }

    /// <param name="shared">True when another process (a running node service) uses the store too: its
    /// temporary files are then left alone.</param>
    public static NodeStore Open(string dataDirectory, ILoggerFactory? loggers = null, bool shared = false)
    {
        loggers ??= NullLoggerFactory.Instance;
        var root = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(root);
        var blobs = BlobStore.Open(Path.Combine(root, "store"), loggers.CreateLogger("Kindling.Artifacts.BlobStore"), cleanTemporaryFiles: !shared);
        var password = Credentials.EnsureAdmin(root, blobs.TempDirectory);
        var credentials = Credentials.Load(Path.Combine(root, Credentials.HtpasswdFile), Path.Combine(root, Credentials.AdminCredentialsFile));
        var registry = RegistryStore.Open(blobs, loggers.CreateLogger("Kindling.Artifacts.Registry"));
        var uploads = UploadSessions.Open(registry, loggers.CreateLogger("Kindling.Artifacts.Uploads"));
        var charts = ChartStore.Open(blobs, loggers.CreateLogger("Kindling.Artifacts.Charts"));
        var files = FileStore.Open(blobs);
        var content = new ContentDigest();
        RegistryContent.Track(registry, content);
        ChartContent.Track(charts, content);
        FileContent.Track(files, content, blobs.TempDirectory);
        return new NodeStore(root, blobs, registry, uploads, charts, files, credentials, password, content);
    }
}
