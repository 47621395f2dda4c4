using System.Net;
using System.Security.Cryptography.X509Certificates;
using Kindling.Artifacts.Access;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Registry;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Hosting;

/// <summary>How <c>kindling node serve</c> listens: one address, a port per service, the node's certificate.</summary>
public sealed record NodeHostOptions
{
    public required string DataDirectory { get; init; }

    /// <summary>The server certificate with its private key (DIR/pki/server.crt + server.key).</summary>
    public required X509Certificate2 Certificate { get; init; }

    public IPAddress Address { get; init; } = IPAddress.Any;

    /// <summary>ClusterConfig <c>tinderKind.registryPort</c>.</summary>
    public int RegistryPort { get; init; } = 443;

    /// <summary>ClusterConfig <c>tinderKind.chartmuseumPort</c>.</summary>
    public int ChartsPort { get; init; } = 8081;

    /// <summary>ClusterConfig <c>tinderKind.minioServerPort</c>.</summary>
    public int FilesPort { get; init; } = 9000;

    /// <summary>The node's name in <c>/kindling/v1/info</c> (the ClusterConfig's bootstrapNode, else the host name).</summary>
    public string NodeName { get; init; } = Environment.MachineName;

    /// <summary>Addresses clients reach the node at, listed in <c>/kindling/v1/info</c>.</summary>
    public IReadOnlyList<string> AdvertisedAddresses { get; init; } = [];

    /// <summary>
    /// Serve the charts and files ports over plain HTTP, as DCE does (<c>http://NODE:8081</c>, <c>http://NODE:9000</c>,
    /// which existing cluster configurations point at). Trade-off: downloads are neither encrypted nor
    /// authenticated, so a network attacker can alter charts and files in flight; the registry stays HTTPS.
    /// </summary>
    public bool PlainHttpChartsAndFiles { get; init; }

    /// <summary>Accept uploads and deletes over plain HTTP (credentials then cross the network in clear). Off by default.</summary>
    public bool AllowPlainHttpWrites { get; init; }

    /// <summary>OS ISO images served in place inside bucket kubean (see <c>IsoMount</c> for the path rule).</summary>
    public IReadOnlyList<IsoSource> IsoImages { get; init; } = [];

    /// <summary>Where logs go (console in the CLI, a test sink in tests).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Parts that report in /healthz and /metrics beside the services (continuous replication).</summary>
    public IReadOnlyList<INodeReport> Reports { get; init; } = [];

    /// <summary>Bounds on password checks (wrong-password floods); defaults in <see cref="LoginLimits"/>.</summary>
    public LoginLimits Logins { get; init; } = new();

    /// <summary>Caps on registry blob upload sessions; defaults in <see cref="UploadLimits"/>.</summary>
    public UploadLimits Uploads { get; init; } = new();

    /// <summary>Caps on S3 multipart uploads; defaults in <see cref="MultipartLimits"/>.</summary>
    public MultipartLimits Multipart { get; init; } = new();

    /// <summary>
    /// The largest body of one S3 PutObject or UploadPart, counted while it streams (S3's own limit, 5 GiB; bigger
    /// objects go in several parts). Bodies are streamed to disk, never held in memory.
    /// </summary>
    public long MaxObjectPutBytes { get; init; } = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// <c>--low-space</c>: below this much free space in the data folder's file system, /healthz answers 200 with
    /// <c>"status": "degraded"</c> (default 5 %).
    /// </summary>
    public Kindling.Artifacts.Storage.SpaceThreshold LowSpace { get; init; } = Kindling.Artifacts.Storage.StorageSpace.DefaultLow;

    /// <summary>
    /// <c>--min-free</c>: below this much free space writes are refused before they start (507); null: the smaller of
    /// 1 % of the file system and 256 MiB (see <see cref="Kindling.Artifacts.Storage.StorageSpace"/>).
    /// </summary>
    public Kindling.Artifacts.Storage.SpaceThreshold? MinFree { get; init; }

    /// <summary>How long a stop waits for in-flight requests (after the drain, on SIGTERM).</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A draining node counts as drained once no client request arrived for this long: at least the failover
    /// record's TTL plus its detection time (<c>fall</c> × interval), so resolvers have moved every client away.
    /// </summary>
    public TimeSpan DrainQuiet { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a SIGTERM drains at most before stopping anyway.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often the node collects garbage by itself (<c>node serve --gc-interval</c>, default there 24 h);
    /// <see cref="TimeSpan.Zero"/>: never (here, so a test host collects only when asked).
    /// </summary>
    public TimeSpan GcInterval { get; init; } = TimeSpan.Zero;

    /// <summary>The grace of scheduled collections: nothing unreferenced younger than this is removed.</summary>
    public TimeSpan GcGrace { get; init; } = Kindling.Artifacts.Maintenance.GcOptions.DefaultGrace;

    /// <summary>The local administration socket (drain, undrain); default DIR/run/admin.sock; empty for none.</summary>
    public string? AdminSocketPath { get; init; }

    /// <summary>The admin socket's path as used: <see cref="AdminSocketPath"/>, else DIR/run/admin.sock.</summary>
    public string AdminSocket => AdminSocketPath ?? Path.Combine(DataDirectory, "run", "admin.sock");
}

/// <summary>An ISO to serve; distro, version and arch override what the ISO's .treeinfo/.discinfo say.</summary>
public sealed record IsoSource(string Path, string? Distro = null, string? Version = null, string? Arch = null);
