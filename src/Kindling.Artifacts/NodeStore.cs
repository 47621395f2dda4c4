using Kindling.Artifacts.Access;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Artifacts;

/// <summary>
/// Everything a bootstrap node serves, opened from its data folder (docs/storage-layout.md): the shared blob
/// store, the registry, upload sessions and the users allowed to write.
/// </summary>
public sealed class NodeStore
{
    private NodeStore(string dataDirectory, BlobStore blobs, RegistryStore registry, UploadSessions uploads, Credentials credentials, string? newAdminPassword)
    {
        DataDirectory = dataDirectory;
        Blobs = blobs;
        Registry = registry;
        Uploads = uploads;
        Credentials = credentials;
        NewAdminPassword = newAdminPassword;
    }

    public string DataDirectory { get; }
    public BlobStore Blobs { get; }
    public RegistryStore Registry { get; }
    public UploadSessions Uploads { get; }
    public Credentials Credentials { get; }

    /// <summary>The admin password when this open created it (print it once), otherwise null.</summary>
    public string? NewAdminPassword { get; }

    public static NodeStore Open(string dataDirectory, ILoggerFactory? loggers = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        var root = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(root);
        var blobs = BlobStore.Open(Path.Combine(root, "store"), loggers.CreateLogger("Kindling.Artifacts.BlobStore"));
        var password = Credentials.EnsureAdmin(root, blobs.TempDirectory);
        var credentials = Credentials.Load(Path.Combine(root, Credentials.HtpasswdFile));
        var registry = RegistryStore.Open(blobs, loggers.CreateLogger("Kindling.Artifacts.Registry"));
        var uploads = UploadSessions.Open(registry, loggers.CreateLogger("Kindling.Artifacts.Uploads"));
        return new NodeStore(root, blobs, registry, uploads, credentials, password);
    }
}
