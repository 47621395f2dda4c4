using System.Net;
using Kindling.Config;
using Kindling.Installer.Hosts;
using Kindling.Installer.Network;
using Kindling.Installer.Pki;

namespace Kindling.Installer.Plan;

/// <summary>What <c>cluster-create</c> was asked to do, as flags give it.</summary>
public sealed record ClusterCreateRequest
{
    public required string ConfigPath { get; init; }
    public string? ManifestPath { get; init; }
    public StepSelection Steps { get; init; } = StepSelection.Default;
    public IReadOnlyList<string> Upgrade { get; init; } = [];
    public string? DataDir { get; init; }
    public string HostsFilePath { get; init; } = "/etc/hosts";
    public IPEndPoint? Dns { get; init; }
    public IPAddress? TinderHostIp { get; init; }
    public string? CaFrom { get; init; }
    public bool ForceHosts { get; init; }

    /// <summary>A backup's primary: the node service then follows it (<c>node serve --replicate-from</c>).</summary>
    public Uri? ReplicateFrom { get; init; }

    /// <summary>File with the primary's user:password, for copying back what this node received while it served.</summary>
    public string? ReplicateCredentials { get; init; }

    /// <summary>The primary's CA certificate(s) when the primary's CA is not this node's.</summary>
    public IReadOnlyList<string> ReplicateCa { get; init; } = [];

    /// <summary>Time between replication rounds, as <c>node serve --replicate-interval</c> takes it (30s, 2m, ...).</summary>
    public string? ReplicateInterval { get; init; }

    /// <summary><c>--prune</c>: after step 5's import, remove what only packages older than the last <see cref="KeepReleases"/> brought.</summary>
    public bool Prune { get; init; }

    /// <summary><c>--keep-releases N</c> (with <c>--prune</c>): how many of the latest imported packages keep their content.</summary>
    public int KeepReleases { get; init; } = 2;

    /// <summary>The <c>--replicate-*</c> arguments the node service is started with (none when not a following backup).</summary>
    public IReadOnlyList<string> ReplicationArguments()
    {
        if (ReplicateFrom is null)
        {
            return [];
        }

        var args = new List<string> { "--replicate-from", ReplicateFrom.ToString() };
        if (ReplicateInterval is not null)
        {
            args.AddRange(["--replicate-interval", ReplicateInterval]);
        }

        if (ReplicateCredentials is not null)
        {
            args.AddRange(["--replicate-credentials", Path.GetFullPath(ReplicateCredentials)]);
        }

        foreach (var ca in ReplicateCa)
        {
            args.AddRange(["--replicate-ca", Path.GetFullPath(ca)]);
        }

        return args;
    }
}

/// <summary>Everything <c>cluster-create --dry-run</c> shows, computed without changing anything.</summary>
public sealed record InstallPlan
{
    public required ClusterCreateRequest Request { get; init; }
    public required ClusterConfig Config { get; init; }
    public DceManifest? Manifest { get; init; }
    public required NodeIp NodeIp { get; init; }
    public required string DataDir { get; init; }
    public required IReadOnlyList<string> SubjectAltNames { get; init; }
    public required string CaSource { get; init; }
    public HostsDecision? Hosts { get; init; }

    /// <summary>The data folder: <c>--data</c>, else the ClusterConfig's tinderKind.resourcesMountPath (DCE's place for it).</summary>
    public static string DataDirFor(ClusterCreateRequest request, ClusterConfig config) =>
        Path.GetFullPath(request.DataDir ?? config.TinderKind.ResourcesMountPath);

    public static async Task<InstallPlan> CreateAsync(ClusterCreateRequest request, ClusterConfig config, DceManifest? manifest,
        INodeNetwork network, IHostResolver resolver, CancellationToken cancellationToken)
    {
        var nodeIp = NodeAddresses.Resolve(config, request.TinderHostIp, network);
        var dataDir = DataDirFor(request, config);
        var sans = Pki.SubjectAltNames.For(config, nodeIp.Address, network.LocalAddresses());
        var files = NodeCertificateFiles.For(dataDir);
        var caSource = request.CaFrom is not null ? $"imported from {request.CaFrom}"
            : File.Exists(files.CaCertificatePath) ? $"kept ({files.CaCertificatePath})"
            : $"created in {files.PkiDirectory}";
        HostsDecision? hosts = null;
        if (request.Steps.Includes(2))
        {
            hosts = await new DomainNameMode(resolver, network).DecideAsync(config, nodeIp, request.HostsFilePath, request.ForceHosts, cancellationToken);
        }

        return new InstallPlan
        {
            Request = request,
            Config = config,
            Manifest = manifest,
            NodeIp = nodeIp,
            DataDir = dataDir,
            SubjectAltNames = sans,
            CaSource = caSource,
            Hosts = hosts,
        };
    }

    /// <summary>The plan in plain lines, as the dry run prints it.</summary>
    public IReadOnlyList<string> Describe()
    {
        var c = Config;
        var t = c.TinderKind;
        var mode = c.BootstrapNodeMode switch
        {
            BootstrapNodeMode.Domain => "domain-name mode",
            BootstrapNodeMode.Ip => "IP mode",
            _ => "auto: the node's own IP",
        };
        var lines = new List<string>
        {
            $"Plan for cluster \"{c.ClusterName}\" from {c.SourceFile}{(Manifest is null ? "" : $" and {Manifest.SourceFile}")}",
            $"  bootstrap node   {c.BootstrapNode} ({mode})",
            $"  node IP          {NodeIp.Describe()}",
            $"  data folder      {DataDir}",
            $"  services         registry https://{NodeIp.Address}:{t.RegistryPort}  charts :{t.ChartmuseumPort}  files (MinIO API) :{t.MinioServerPort}",
            $"  certificate      valid 10 years; CA {CaSource}",
            $"                   SANs: {string.Join(", ", SubjectAltNames)}",
        };
        if (Hosts is not null)
        {
            lines.Add($"  hosts file       {Hosts.Explanation}");
        }

        if (Request.ReplicateFrom is { } primary)
        {
            lines.Add($"  replication      follow {primary} every {Request.ReplicateInterval ?? "30s"}; " + (Request.ReplicateCredentials is null
                ? "no copy-back (give --replicate-credentials to return what this node receives to the primary)"
                : "copy back to the primary what this node receives"));
        }

        if (Request.Upgrade.Count > 0)
        {
            lines.Add($"  upgrade          {string.Join(",", Request.Upgrade)}: import what is new in {c.FullPackagePath}, keep the CA and certificates");
        }

        if (Request.Prune)
        {
            lines.Add($"  prune            after step 5's import, remove what came only from packages older than the last {Request.KeepReleases} (content pushed by people is kept)");
        }

        if (Manifest is not null)
        {
            lines.Add($"  manifest         {Manifest.Enabled.Count()} enabled components (reported, not installed by Kindling)");
        }

        lines.Add($"Steps (-j {Request.Steps.Text}):");
        foreach (var (number, title) in InstallStep.Titles)
        {
            var run = Request.Steps.Includes(number);
            lines.Add($"  {(run ? "run " : "skip")}  {number}  {title}");
        }

        lines.Add(Request.Steps.ReachesGlobalCluster
            ? $"  skip  6+ global cluster (Kubernetes on {c.MasterNodes.Count} master node(s) through kubean/Ansible): not installed by Kindling; use DCE's installer"
            : "  (steps 6+ install the global cluster: not Kindling's job)");
        return lines;
    }
}
