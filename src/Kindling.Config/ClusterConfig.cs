using System.Net;

namespace Kindling.Config;

/// <summary>How the bootstrap node is named: the seed's "domain name mode" or "IP mode", or discovered.</summary>
public enum BootstrapNodeMode
{
    /// <summary><c>auto</c>: the node's IP is the one on the default route (or <c>-t</c>).</summary>
    Auto,

    /// <summary>An IP address (the seed's backup node).</summary>
    Ip,

    /// <summary>A domain name resolved by the dnsServer (the seed's primary node).</summary>
    Domain,
}

/// <summary>
/// DCE 5.0 <c>ClusterConfig</c> (<c>provision.daocloud.io/v1alpha3</c> and <c>v1alpha4</c>): what the installer
/// needs to set up a bootstrap node. Fields Kindling does not act on are kept in <see cref="Retained"/>.
/// </summary>
public sealed record ClusterConfig
{
    public const string ApiGroup = "provision.daocloud.io";
    public static readonly IReadOnlyList<string> SupportedApiVersions = [$"{ApiGroup}/v1alpha3", $"{ApiGroup}/v1alpha4"];

    public required string SourceFile { get; init; }
    public required string ApiVersion { get; init; }
    public string Kind { get; init; } = "ClusterConfig";
    public string? ClusterName { get; init; }

    /// <summary>A domain name, an IP address, or <c>auto</c>.</summary>
    public string BootstrapNode { get; init; } = "auto";

    public BootstrapNodeMode BootstrapNodeMode =>
        BootstrapNode.Equals("auto", StringComparison.OrdinalIgnoreCase) ? BootstrapNodeMode.Auto
        : NetworkNames.IsIp(BootstrapNode) ? BootstrapNodeMode.Ip
        : BootstrapNodeMode.Domain;

    public IPAddress? BootstrapNodeIp => NetworkNames.TryParseIp(BootstrapNode, out var ip) ? ip : null;

    public TinderKind TinderKind { get; init; } = new();
    public IReadOnlyList<NodeSpec> MasterNodes { get; init; } = [];
    public IReadOnlyList<NodeSpec> WorkerNodes { get; init; } = [];
    public IReadOnlyList<NodeSpec> EtcdNodes { get; init; } = [];
    public string? PrivateKeyPath { get; init; }

    /// <summary>The unpacked offline package folder.</summary>
    public string? FullPackagePath { get; init; }

    public OsRepos OsRepos { get; init; } = new();
    public ImagesAndCharts ImagesAndCharts { get; init; } = new();
    public IReadOnlyList<string> AddonPackagePaths { get; init; } = [];
    public Binaries Binaries { get; init; } = new();

    /// <summary>Parsed and kept, not acted on: loadBalancer, ntpServer, kubeanConfig, k8sVersion, network, cri, ...</summary>
    public IReadOnlyDictionary<string, object?> Retained { get; init; } = new Dictionary<string, object?>();

    /// <summary>The line of each YAML path, so later errors can point into the file.</summary>
    public IReadOnlyDictionary<string, int> Lines { get; init; } = new Dictionary<string, int>();

    /// <summary>"file:line: path" for messages about a field found wrong after loading (e.g. a missing folder).</summary>
    public string Where(string path) =>
        Lines.TryGetValue(path, out var line) && line > 0 ? $"{SourceFile}:{line}: {path}" : $"{SourceFile}: {path}";

    /// <summary>True when any of the repositories is served from the offline package.</summary>
    public bool UsesOfflinePackage =>
        OsRepos.Type == RepoType.Builtin || ImagesAndCharts.Type == RepoType.Builtin || Binaries.Type == RepoType.Builtin;
}

/// <summary>The bootstrap node's own settings (<c>spec.tinderKind</c>), with DCE's defaults.</summary>
public sealed record TinderKind
{
    public string InstanceName { get; init; } = "my-cluster-installer";
    public string ResourcesMountPath { get; init; } = "/home/kind";
    public int RegistryPort { get; init; } = 443;
    public int MinioServerPort { get; init; } = 9000;
    public int MinioConsolePort { get; init; } = 9001;
    public int ChartmuseumPort { get; init; } = 8081;
}

/// <summary>A cluster node reached by Ansible (<c>masterNodes</c>, <c>workerNodes</c>, <c>etcdNodes</c>).</summary>
public sealed record NodeSpec
{
    public required string NodeName { get; init; }
    public required IPAddress Ip { get; init; }
    public string? AnsibleUser { get; init; }
    public string? AnsiblePass { get; init; }
    public int AnsibleSshPort { get; init; } = 22;
    public string? AnsibleExtraArgs { get; init; }
    public IReadOnlyList<string> NodeTaints { get; init; } = [];
    public IReadOnlyDictionary<string, string> NodeLabels { get; init; } = new Dictionary<string, string>();
}

/// <summary>Where a kind of content comes from.</summary>
public enum RepoType
{
    OfficialService,
    Builtin,
    External,
}

public sealed record OsRepos
{
    public RepoType Type { get; init; } = RepoType.OfficialService;
    public string? IsoPath { get; init; }
    public string? OsPackagePath { get; init; }
    public string? ExternalRepoEndpoint { get; init; }
    public string? ExternalRepoUsername { get; init; }
    public string? ExternalRepoPassword { get; init; }
    public string? ExternalRepoType { get; init; }
    public IReadOnlyList<string> ExternalRepoUrls { get; init; } = [];
    public bool SkipValidateOsPackage { get; init; }
}

public sealed record ImagesAndCharts
{
    public RepoType Type { get; init; } = RepoType.OfficialService;
    public string? ExternalImageRepo { get; init; }
    public string? ExternalImageRepoUsername { get; init; }
    public string? ExternalImageRepoPassword { get; init; }
    public string? ExternalChartRepoType { get; init; }
    public string? ExternalChartRepo { get; init; }
    public string? ExternalChartRepoUsername { get; init; }
    public string? ExternalChartRepoPassword { get; init; }

    /// <summary>Extra certificate names: IPs or domains (the seed gives one; a comma-separated list is accepted).</summary>
    public IReadOnlyList<string> AdditionalSslSubjectAltNames { get; init; } = [];
}

public sealed record Binaries
{
    public RepoType Type { get; init; } = RepoType.OfficialService;
    public string? ExternalRepository { get; init; }
}
