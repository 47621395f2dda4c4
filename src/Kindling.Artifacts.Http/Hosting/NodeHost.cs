using Kindling.Artifacts.Access;
using Kindling.Artifacts.Http.Charts;
using Kindling.Artifacts.Http.Common;
using Kindling.Artifacts.Http.StatusPage;
using Kindling.Artifacts.Http.Drain;
using Kindling.Artifacts.Http.Files;
using Kindling.Artifacts.Http.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Hosting;

/// <summary>
/// The bootstrap node's HTTP server (<c>kindling node serve</c>): Kestrel listening on one port per service, all
/// over TLS with the node's certificate. Requests go straight to one dispatcher (no routing middleware): the
/// common endpoints, then the service owning the local port. Stopping drains in-flight requests.
/// </summary>
public sealed class NodeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly NodeHealth _health;
    private readonly CollectionSchedule? _collections;
    private readonly StoreLock _lock;

    private NodeHost(WebApplication app, NodeStore store, IReadOnlyList<NodeService> services, NodeHealth health, RequestMetrics metrics, NodeDrain drain, CollectionSchedule? collections,
        StoreLock storeLock)
    {
        _collections = collections;
        _lock = storeLock;
        Drain = drain;
        _app = app;
        Store = store;
        Services = services;
        _health = health;
        Metrics = metrics;
    }

    public NodeStore Store { get; }

    /// <summary>Planned maintenance: /healthz answers 503 draining while requests keep being served.</summary>
    public NodeDrain Drain { get; }

    internal IReadOnlyList<NodeService> Services { get; }

    internal RequestMetrics Metrics { get; }

    /// <summary>Service name to URL, for the address the host listens on.</summary>
    public IReadOnlyDictionary<string, string> Urls(string host) => Services.ToDictionary(s => s.Name, s => s.UrlFor(host));

    /// <summary>Opens the store in <see cref="NodeHostOptions.DataDirectory"/> and starts listening.</summary>
    public static async Task<NodeHost> StartAsync(NodeHostOptions options, CancellationToken cancellationToken = default)
    {
        var adminSocket = PrepareAdminSocket(options.AdminSocket);
        var storeLock = StoreLock.TryTake(options.DataDirectory)
            ?? throw new IOException($"another process holds {StoreLock.PathFor(options.DataDirectory)}: a node serving this data folder, or an offline 'kindling node gc' or 'fsck': stop it first (kindling node stop --data DIR)");
        try
        {
            return await StartAsync(options, adminSocket, storeLock, cancellationToken);
        }
        catch
        {
            storeLock.Dispose();
            throw;
        }
    }

    private static async Task<NodeHost> StartAsync(NodeHostOptions options, string? adminSocket, StoreLock storeLock, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        ConfigureLogging(builder.Logging, options);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        var drain = new NodeDrain(time, options.DrainQuiet);
        builder.Services.AddSingleton<IHostLifetime>(services => new DrainingLifetime(services.GetRequiredService<IHostApplicationLifetime>(), drain,
            options.DrainTimeout, services.GetRequiredService<ILoggerFactory>().CreateLogger("Kindling.Node"), time));
        AddListeners(builder.WebHost, options, ServicePorts(options), adminSocket);

        var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var store = OpenStore(options, loggers);
        var logger = loggers.CreateLogger("Kindling.Node");
        MountIsoImages(store, options, logger);
        var services = new NodeService[]
        {
            new RegistryService(store, options.RegistryPort, loggers.CreateLogger("Kindling.Registry")),
            new ChartsService(store, options.ChartsPort, options.PlainHttpChartsAndFiles ? "http" : "https", options.AllowPlainHttpWrites, loggers.CreateLogger("Kindling.Charts")),
            new FilesService(store, options.FilesPort, options.PlainHttpChartsAndFiles ? "http" : "https", options.AllowPlainHttpWrites, loggers.CreateLogger("Kindling.Files"), time, options.MaxObjectPutBytes),
        };
        var metrics = new RequestMetrics();
        var health = new NodeHealth(store, services, options, loggers.CreateLogger("Kindling.Health"), drain);
        var admin = new NodeAdminEndpoint(drain, store, logger);
        var dispatcher = new NodeDispatcher(store, new LoginGate(store.Credentials, options.Logins, time), metrics, health, new NodeInfo(options, services),
            new ContentDigestEndpoint(store.Content), new NodeStatus(options, store, time), options, drain, logger);
        var byPort = services.ToDictionary(s => s.Port);
        app.Run(context => byPort.TryGetValue(context.Connection.LocalPort, out var service)
            ? dispatcher.DispatchAsync(context, service)
            : admin.HandleAsync(context)); // the Unix socket has no port
        await app.StartAsync(cancellationToken);
        if (adminSocket is not null)
        {
            File.SetUnixFileMode(adminSocket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        logger.LogInformation("node {Name} serving {Services} from {Data}", options.NodeName,
            string.Join(", ", services.Select(s => $"{s.Name} {s.Scheme}://{options.Address}:{s.Port}")), store.DataDirectory);
        var collections = options.GcInterval > TimeSpan.Zero ? new CollectionSchedule(store, options.GcInterval, options.GcGrace, logger) : null;
        return new NodeHost(app, store, services, health, metrics, drain, collections, storeLock);
    }

    private static void ConfigureLogging(ILoggingBuilder logging, NodeHostOptions options)
    {
        logging.ClearProviders();
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        // Kestrel's refusals (oversized headers, malformed requests) are logged by this category at Debug.
        logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.Debug);
        options.ConfigureLogging?.Invoke(logging);
    }

    /// <summary>The registry, charts and files ports, checked distinct and in range.</summary>
    private static int[] ServicePorts(NodeHostOptions options)
    {
        var ports = new[] { options.RegistryPort, options.ChartsPort, options.FilesPort };
        if (ports.Distinct().Count() != ports.Length || ports.Any(p => p is <= 0 or > 65535))
        {
            throw new ArgumentException($"ports must be distinct and in 1-65535: registry {options.RegistryPort}, charts {options.ChartsPort}, files {options.FilesPort}");
        }

        return ports;
    }

    /// <summary>One listener per service port (TLS unless plain HTTP is asked for charts and files) and the admin socket.</summary>
    private static void AddListeners(IWebHostBuilder webHost, NodeHostOptions options, int[] ports, string? adminSocket) =>
        webHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            foreach (var port in ports)
            {
                var plain = options.PlainHttpChartsAndFiles && port != options.RegistryPort;
                kestrel.Listen(options.Address, port, listen =>
                {
                    listen.Protocols = plain ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                    if (!plain)
                    {
                        listen.Use(TlsConnection.Middleware(options.Certificate, TimeSpan.FromSeconds(10)));
                    }
                });
            }

            if (adminSocket is not null)
            {
                kestrel.ListenUnixSocket(adminSocket, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });

    private static NodeStore OpenStore(NodeHostOptions options, ILoggerFactory loggers)
    {
        var store = NodeStore.Open(options.DataDirectory, loggers);
        store.Uploads.Limits = options.Uploads;
        store.Files.Multipart.Limits = options.Multipart;
        store.Blobs.Space.Low = options.LowSpace;
        store.Blobs.Space.MinFree = options.MinFree;
        return store;
    }

    /// <summary>Serves each ISO image under <c>kubean/</c>; one that cannot be read is a files-service problem, not a failed start.</summary>
    private static void MountIsoImages(NodeStore store, NodeHostOptions options, ILogger logger)
    {
        foreach (var iso in options.IsoImages)
        {
            try
            {
                var mount = Kindling.Artifacts.Iso.IsoMount.Describe(Kindling.Artifacts.Iso.IsoImage.Open(iso.Path), iso.Distro, iso.Version, iso.Arch);
                store.Files.Mount(mount);
                logger.LogInformation("files: serving {Iso} ({Entries} entries, {Naming} names) at kubean/{Prefix}/", iso.Path, mount.Image.Count, mount.Image.Naming, mount.Prefix);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Kindling.Artifacts.Iso.IsoFormatException)
            {
                // Everything else is still served; /healthz reports the files service as failing.
                store.Files.Problems.Add($"ISO {iso.Path}: {e.Message}");
                logger.LogError("files: cannot serve ISO {Iso}: {Error}", iso.Path, e.Message);
            }
        }
    }

    /// <summary>Removes a stale socket left by a killed node; null (no admin socket) when none is wanted or the path is too long.</summary>
    private static string? PrepareAdminSocket(string path)
    {
        if (path.Length == 0)
        {
            return null;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(path) > 107)
        {
            throw new ArgumentException($"the admin socket path {path} is longer than a Unix socket allows (107 bytes): use a shorter data folder");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            try
            {
                probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
                throw new IOException($"another node process serves this data folder (its admin socket {path} answers): stop it first (kindling node stop --data DIR)");
            }
            catch (System.Net.Sockets.SocketException)
            {
                File.Delete(path); // left by a node that was killed
            }
        }

        return path;
    }

    /// <summary>Stops accepting connections and waits (up to the shutdown timeout) for in-flight requests.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Completes when the host stops: SIGTERM or Ctrl+C (after draining), or <see cref="StopAsync"/>.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_collections is not null)
        {
            await _collections.DisposeAsync();
        }

        await _app.DisposeAsync();
        _health.Dispose();
        _lock.Dispose();
    }
}
