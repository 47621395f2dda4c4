using System.CommandLine;
using System.Net;
using Kindling.Artifacts.Http.Hosting;
using Kindling.Artifacts.Storage;
using Kindling.Config;
using Kindling.Installer.Network;
using Kindling.Installer.Pki;
using Kindling.Replication.Continuous;
using Microsoft.Extensions.Logging;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling node serve</c>: the bootstrap node's registry, charts and files over HTTPS.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var command = new Command("node", "The bootstrap node service.");
        command.Subcommands.Add(Serve());
        foreach (var subcommand in NodeServiceCommands.Create().Concat(NodeMaintenanceCommands.Create()))
        {
            command.Subcommands.Add(subcommand);
        }

        command.Subcommands.Add(NodePruneCommand.Create());
        return command;
    }

    private static Command Serve()
    {
        var where = new ServeOptions();
        var upkeep = new UpkeepOptions();
        var replication = new NodeReplicationOptions();
        var command = new Command("serve", "Serve the registry, charts and files from the data folder until SIGTERM (which drains: healthz 503 until no request arrived for --drain-quiet, then in-flight requests finish) or SIGINT (no drain).").WithOptions(where.All.Concat(upkeep.All).Concat(replication.All));

        command.SetAction((parse, cancellationToken) => ServeAsync(where, upkeep, replication, parse, cancellationToken));
        return command;
    }

    private static async Task<int> ServeAsync(ServeOptions o, UpkeepOptions upkeep, NodeReplicationOptions replication, ParseResult parse, CancellationToken cancellationToken)
    {
        var clusterConfig = parse.GetValue(o.Config) is { } path ? InputFiles.LoadClusterConfig(path) : null;
        var listen = InputFiles.ParseIp(parse.GetValue(o.Address), "--address") ?? IPAddress.Any;
        var tinder = clusterConfig?.TinderKind ?? new TinderKind();
        var dataDir = Path.GetFullPath(parse.GetValue(o.Data)!);
        var certificates = EnsureCertificates(dataDir, clusterConfig, listen, parse.GetValue(o.CaFrom));
        var registry = Port(parse.GetValue(o.RegistryPort), tinder.RegistryPort, "--registry-port");
        using var replicationLogs = LoggerFactory.Create(ConsoleLogging);
        var replicator = replication.Create(parse, dataDir, listen, registry, replicationLogs);
        var options = new NodeHostOptions
        {
            DataDirectory = dataDir,
            Certificate = certificates.LoadServerCertificate(),
            Address = listen,
            RegistryPort = registry,
            ChartsPort = Port(parse.GetValue(o.ChartsPort), tinder.ChartmuseumPort, "--charts-port"),
            FilesPort = Port(parse.GetValue(o.FilesPort), tinder.MinioServerPort, "--files-port"),
            NodeName = clusterConfig is { BootstrapNodeMode: not BootstrapNodeMode.Auto } ? clusterConfig.BootstrapNode : Environment.MachineName,
            AdvertisedAddresses = certificates.SubjectAltNames,
            IsoImages = IsoSources(parse.GetValue(o.Iso) ?? [], clusterConfig),
            PlainHttpChartsAndFiles = parse.GetValue(o.PlainHttp),
            AllowPlainHttpWrites = parse.GetValue(o.PlainWrites),
            ConfigureLogging = ConsoleLogging,
            Reports = replicator is null ? [] : [replicator],
        };

        return await RunAsync(upkeep.ApplyTo(options, parse), certificates, replicator, cancellationToken);
    }

    /// <summary>Serves until SIGTERM or SIGINT: starts the host, prints the admin password (once), the URLs and the CA, runs the replicator beside it.</summary>
    private static async Task<int> RunAsync(NodeHostOptions options, NodeCertificateFiles certificates, ContinuousReplication? replicator, CancellationToken cancellationToken)
    {
        NodeHost host;
        try
        {
            host = await NodeHost.StartAsync(options, cancellationToken);
        }
        catch (StorageFullException e)
        {
            await Console.Error.WriteLineAsync($"kindling: cannot start the node: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (IOException e) when (StorageFullException.IsDiskFull(e))
        {
            await Console.Error.WriteLineAsync($"kindling: cannot start the node: no space left on device in {options.DataDirectory} ({e.Message}): free space there and retry");
            return ExitCodes.Failure;
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"kindling: cannot listen on {options.Address} ports {options.RegistryPort}/{options.ChartsPort}/{options.FilesPort}: {e.Message} (choose others with --registry-port/--charts-port/--files-port, or stop what holds them)");
            return ExitCodes.Failure;
        }

        await using (host)
        {
            if (host.Store.NewAdminPassword is { } password)
            {
                Console.WriteLine($"admin credentials created: user admin, password {password}");
                Console.WriteLine($"  (printed once; stored in {Path.Combine(options.DataDirectory, "admin-credentials")}, mode 0600)");
            }

            var shown = options.Address.Equals(IPAddress.Any) ? "127.0.0.1" : options.Address.ToString();
            foreach (var (name, url) in host.Urls(shown.Contains(':', StringComparison.Ordinal) ? $"[{shown}]" : shown))
            {
                Console.WriteLine($"{name,-9} {url}");
            }

            Console.WriteLine($"CA certificate for clients: {certificates.CaCertificatePath}");
            Console.Out.Flush();
            replicator?.Start(host.Store.Content);
            await host.WaitForShutdownAsync(CancellationToken.None);
            if (replicator is not null)
            {
                await replicator.DisposeAsync();
            }
        }

        Console.WriteLine("node stopped");
        return ExitCodes.Ok;
    }

    private static SpaceThreshold Threshold(string text, string option) =>
        SpaceThreshold.TryParse(text, out var threshold, out var error) ? threshold : throw new UsageException($"{option}: {error}");

    private static void ConsoleLogging(ILoggingBuilder logging) => logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss ";
    }).SetMinimumLevel(LogLevel.Information);

    /// <summary>
    /// Creates the CA and server certificate when the data folder has none (names from the ClusterConfig, or this
    /// machine's addresses); with a ClusterConfig an existing certificate is re-issued if its names changed.
    /// </summary>
    private static NodeCertificateFiles EnsureCertificates(string dataDir, ClusterConfig? config, IPAddress listen, string? caFrom)
    {
        var files = NodeCertificateFiles.For(dataDir);
        if (config is null && caFrom is null && File.Exists(files.ServerCertificatePath) && File.Exists(files.ServerKeyPath))
        {
            return files;
        }

        var network = new SystemNodeNetwork();
        var specific = listen.Equals(IPAddress.Any) || listen.Equals(IPAddress.IPv6Any) ? null : listen;
        IReadOnlyList<string> names = config is not null
            ? SubjectAltNames.For(config, NodeAddresses.Resolve(config, specific, network).Address, network.LocalAddresses())
            : SubjectAltNames.Normalize([.. specific is null ? [] : new[] { specific.ToString() }, .. network.LocalAddresses().Select(a => a.ToString()),
                Environment.MachineName, "localhost", "127.0.0.1"]);
        return NodeCertificates.Ensure(dataDir, names, caFrom);
    }

    /// <summary>--iso values (PATH or PATH=distro/version/arch), else the ClusterConfig's osRepos.isoPath when it exists.</summary>
    private static List<IsoSource> IsoSources(string[] given, ClusterConfig? config)
    {
        var sources = new List<IsoSource>();
        foreach (var value in given)
        {
            var eq = value.LastIndexOf('=');
            var path = eq > 0 ? value[..eq] : value;
            if (!File.Exists(path))
            {
                throw new UsageException($"--iso {path}: no such file");
            }

            if (eq < 0)
            {
                sources.Add(new IsoSource(path));
                continue;
            }

            var parts = value[(eq + 1)..].Split('/');
            if (parts.Length != 3 || parts.Any(p => p.Length == 0))
            {
                throw new UsageException($"--iso {value}: expected PATH=distro/version/arch (e.g. /home/CentOS-7.iso=centos/7/x86_64)");
            }

            sources.Add(new IsoSource(path, parts[0], parts[1], parts[2]));
        }

        if (sources.Count == 0 && config?.OsRepos.IsoPath is { } configured && File.Exists(configured))
        {
            sources.Add(new IsoSource(configured));
        }

        return sources;
    }

    private static int Port(int? given, int configured, string option)
    {
        var port = given ?? configured;
        return port is > 0 and <= 65535 ? port : throw new UsageException($"{option} {port}: not a TCP port (1-65535)");
    }

    /// <summary>What <c>node serve</c> serves, where, and with which certificate.</summary>
    private sealed class ServeOptions
    {
        public Option<string> Data { get; } = new("--data") { Description = "The node's data folder (created with a CA, certificate and admin credentials when empty)", Required = true };
        public Option<string?> Config { get; } = new("--config", "-c") { Description = "The ClusterConfig: ports (tinderKind), certificate names (bootstrapNode, additionalSSLSubjectAltName)" };
        public Option<string?> Address { get; } = new("--address") { Description = "The IP to listen on (default: every address)" };
        public Option<int?> RegistryPort { get; } = new("--registry-port") { Description = "Registry port (default: tinderKind.registryPort, 443)" };
        public Option<int?> ChartsPort { get; } = new("--charts-port") { Description = "Chart repository port (default: tinderKind.chartmuseumPort, 8081)" };
        public Option<int?> FilesPort { get; } = new("--files-port") { Description = "File store port (default: tinderKind.minioServerPort, 9000)" };
        public Option<string?> CaFrom { get; } = new("--ca-from") { Description = "Import the primary's CA from this folder when creating the certificate" };

        public Option<string[]> Iso { get; } = new("--iso")
        {
            Description = "Serve an OS ISO in place at kubean/<distro>-iso/<version>/os/<arch>/ (PATH, or PATH=distro/version/arch to override .treeinfo); repeatable. Default: the ClusterConfig's osRepos.isoPath",
            AllowMultipleArgumentsPerToken = false,
        };

        public Option<bool> PlainHttp { get; } = new("--plain-http") { Description = "Serve the charts and files ports over plain HTTP, as DCE does (downloads are then neither encrypted nor authenticated; the registry stays HTTPS)" };
        public Option<bool> PlainWrites { get; } = new("--allow-plain-http-writes") { Description = "With --plain-http, also accept uploads and deletes there (credentials cross the network in clear)" };

        public IEnumerable<Option> All => [Data, Config, Address, RegistryPort, ChartsPort, FilesPort, CaFrom, Iso, PlainHttp, PlainWrites];
    }

    /// <summary>How <c>node serve</c> drains, collects garbage and guards its free space.</summary>
    private sealed class UpkeepOptions
    {
        public Option<string> DrainQuiet { get; } = new("--drain-quiet") { Description = "A draining node is drained once no request arrived for this long (at least the failover TTL + detection)", DefaultValueFactory = _ => "10s" };
        public Option<string> DrainTimeout { get; } = new("--drain-timeout") { Description = "SIGTERM drains at most this long before stopping", DefaultValueFactory = _ => "60s" };
        public Option<string> GcInterval { get; } = new("--gc-interval") { Description = "Collect garbage (blobs nothing references) this often, first one interval after start; 0 turns it off", DefaultValueFactory = _ => "24h" };
        public Option<string> GcGrace { get; } = new("--gc-grace") { Description = "Scheduled collections keep what is unreferenced but younger than this", DefaultValueFactory = _ => "24h" };

        public Option<string> LowSpace { get; } = new("--low-space")
        {
            Description = "Below this free space in the data folder's file system /healthz says \"degraded\" (still 200: reads work, failover keeps the node): a share (5%) or a size (10GiB)",
            DefaultValueFactory = _ => "5%",
        };

        public Option<string?> MinFree { get; } = new("--min-free")
        {
            Description = "Below this free space writes are refused before they start (507), so a full disk never fails a write half-way: a size (256MiB, 0 to turn it off) or a share (1%). Default: the smaller of 1% and 256MiB",
        };

        public IEnumerable<Option> All => [DrainQuiet, DrainTimeout, GcInterval, GcGrace, LowSpace, MinFree];

        /// <summary><paramref name="options"/> with the drain, garbage collection and free-space settings; a usage error names the option that does not parse.</summary>
        public NodeHostOptions ApplyTo(NodeHostOptions options, ParseResult parse) => options with
        {
            DrainQuiet = NodeReplicationOptions.ParseInterval(parse.GetValue(DrainQuiet)!, "--drain-quiet", allowZero: true),
            DrainTimeout = NodeReplicationOptions.ParseInterval(parse.GetValue(DrainTimeout)!, "--drain-timeout"),
            GcInterval = NodeReplicationOptions.ParseInterval(parse.GetValue(GcInterval)!, "--gc-interval", allowZero: true),
            GcGrace = NodeReplicationOptions.ParseInterval(parse.GetValue(GcGrace)!, "--gc-grace", allowZero: true),
            LowSpace = Threshold(parse.GetValue(LowSpace)!, "--low-space"),
            MinFree = parse.GetValue(MinFree) is { } min ? Threshold(min, "--min-free") : null,
        };
    }
}
