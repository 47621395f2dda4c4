using System.Net;
using Kindling.Config.Yaml;
using YamlDotNet.RepresentationModel;

namespace Kindling.Config;

/// <summary>
/// Loads and validates a DCE <c>ClusterConfig</c>. Every problem is reported with the file, the line and the
/// YAML path; unknown fields are warnings, so configurations written for newer DCE releases still load.
/// </summary>
public static class ClusterConfigLoader
{
    private static readonly string[] RetainedKeys =
        ["loadBalancer", "ntpServer", "externalMiddlewares", "kubeanConfig", "k8sVersion", "auditConfig", "network", "cri", "renewCerts"];

    private static readonly string[] KnownOsRepoTypes =
        ["centos", "redhat", "rocky", "almalinux", "oracle", "kylin", "uos", "openeuler", "tencent", "debian", "ubuntu", "fedora", "anolis"];

    public static LoadResult<ClusterConfig> LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new LoadResult<ClusterConfig>(null, [new ConfigDiagnostic(path, 0, "", $"cannot read the file: {e.Message}", DiagnosticSeverity.Error)]);
        }

        return Load(text, path);
    }

    public static LoadResult<ClusterConfig> Load(string text, string file)
    {
        var context = new YamlContext(file);
        var root = YamlDocumentLoader.Load(text, context, "ClusterConfig");
        if (root is null)
        {
            return new LoadResult<ClusterConfig>(null, context.Diagnostics);
        }

        var top = new YamlObject(root, "", context);
        var apiVersion = top.String("apiVersion");
        if (apiVersion is null)
        {
            context.Error(1, "apiVersion", $"missing; expected {string.Join(" or ", ClusterConfig.SupportedApiVersions)}");
        }
        else if (!ClusterConfig.SupportedApiVersions.Contains(apiVersion))
        {
            context.Error(top.Raw("apiVersion"), "apiVersion", $"\"{apiVersion}\" is not supported; expected {string.Join(" or ", ClusterConfig.SupportedApiVersions)}");
        }

        var kind = top.String("kind");
        if (kind != "ClusterConfig")
        {
            context.Error(top.Raw("kind") ?? root, "kind", kind is null ? "missing; expected ClusterConfig" : $"\"{kind}\" is not ClusterConfig (is this a manifest? pass it with -m)");
        }

        top.Object("metadata"); // kept by DCE for kubectl-style files; nothing in it matters here
        var spec = top.Object("spec");
        top.ReportUnknownKeys();
        if (spec is null)
        {
            context.Error(root, "spec", "missing; a ClusterConfig needs a spec with at least clusterName and bootstrapNode");
            return new LoadResult<ClusterConfig>(null, context.Diagnostics);
        }

        var config = ReadSpec(spec, context) with { SourceFile = file, ApiVersion = apiVersion ?? "", Kind = kind ?? "" };
        Validate(config, spec, context);
        return new LoadResult<ClusterConfig>(config with { Lines = context.Lines }, context.Diagnostics);
    }

    private static ClusterConfig ReadSpec(YamlObject spec, YamlContext context)
    {
        var clusterName = spec.String("clusterName");
        var bootstrapNode = spec.String("bootstrapNode");
        var tinder = ReadTinderKind(spec.Object("tinderKind"));
        var masters = ReadNodes(spec, "masterNodes", context);
        var workers = ReadNodes(spec, "workerNodes", context);
        var etcd = ReadNodes(spec, "etcdNodes", context);
        var privateKeyPath = spec.String("privateKeyPath");
        var fullPackagePath = spec.String("fullPackagePath");
        var osRepos = ReadOsRepos(spec.Object("osRepos"), context);
        var images = ReadImagesAndCharts(spec.Object("imagesAndCharts"), context);

        var addonPaths = new List<string>();
        var addon = spec.Raw("addonPackage");
        if (addon is YamlMappingNode)
        {
            var addonObject = spec.Object("addonPackage")!;
            addonPaths.AddRange(addonObject.StringList("path").Select(p => p.Value));
            addonObject.ReportUnknownKeys();
        }
        else if (addon is not null && !YamlObject.IsNull(addon))
        {
            context.Error(addon, "spec.addonPackage", "expected a mapping with a path");
        }

        var binaries = ReadBinaries(spec.Object("binaries"), context);
        var retained = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var key in RetainedKeys)
        {
            if (spec.Raw(key) is { } node)
            {
                retained[key] = ToPlain(node);
            }
        }

        spec.ReportUnknownKeys();
        return new ClusterConfig
        {
            SourceFile = "",
            ApiVersion = "",
            ClusterName = clusterName,
            BootstrapNode = string.IsNullOrWhiteSpace(bootstrapNode) ? "auto" : bootstrapNode.Trim(),
            TinderKind = tinder,
            MasterNodes = masters,
            WorkerNodes = workers,
            EtcdNodes = etcd,
            PrivateKeyPath = privateKeyPath,
            FullPackagePath = fullPackagePath,
            OsRepos = osRepos,
            ImagesAndCharts = images,
            AddonPackagePaths = addonPaths,
            Binaries = binaries,
            Retained = retained,
        };
    }

    private static TinderKind ReadTinderKind(YamlObject? obj)
    {
        var defaults = new TinderKind();
        if (obj is null)
        {
            return defaults;
        }

        var result = new TinderKind
        {
            InstanceName = obj.String("instanceName") ?? defaults.InstanceName,
            ResourcesMountPath = obj.String("resourcesMountPath") ?? defaults.ResourcesMountPath,
            RegistryPort = obj.Int("registryPort", 1, 65535) ?? defaults.RegistryPort,
            MinioServerPort = obj.Int("minioServerPort", 1, 65535) ?? defaults.MinioServerPort,
            MinioConsolePort = obj.Int("minioConsolePort", 1, 65535) ?? defaults.MinioConsolePort,
            ChartmuseumPort = obj.Int("chartmuseumPort", 1, 65535) ?? defaults.ChartmuseumPort,
        };
        obj.ReportUnknownKeys();
        return result;
    }

    private static List<NodeSpec> ReadNodes(YamlObject spec, string key, YamlContext context)
    {
        var nodes = new List<NodeSpec>();
        foreach (var item in spec.ObjectList(key))
        {
            var name = item.String("nodeName");
            if (string.IsNullOrWhiteSpace(name))
            {
                context.Error(item.Raw("nodeName") ?? item.Node, item.Child("nodeName"), "missing; every node needs a nodeName");
            }

            var ipText = item.String("ip");
            IPAddress ip = IPAddress.None;
            if (ipText is null)
            {
                context.Error(item.Node, item.Child("ip"), "missing; every node needs its IP address");
            }
            else if (!NetworkNames.TryParseIp(ipText, out ip))
            {
                context.Error(item.Raw("ip"), item.Child("ip"), $"\"{ipText}\" is not an IP address");
            }

            nodes.Add(new NodeSpec
            {
                NodeName = name ?? "",
                Ip = ip,
                AnsibleUser = item.String("ansibleUser"),
                AnsiblePass = item.String("ansiblePass"),
                AnsibleSshPort = item.Int("ansibleSSHPort", 1, 65535) ?? 22,
                AnsibleExtraArgs = item.String("ansibleExtraArgs"),
                NodeTaints = item.StringList("nodeTaints").Select(t => t.Value).ToList(),
                NodeLabels = item.StringMap("nodeLabels"),
            });
            item.ReportUnknownKeys();
        }

        return nodes;
    }

    private static OsRepos ReadOsRepos(YamlObject? obj, YamlContext context)
    {
        if (obj is null)
        {
            return new OsRepos();
        }

        var result = new OsRepos
        {
            Type = ReadRepoType(obj, context),
            IsoPath = obj.String("isoPath"),
            OsPackagePath = obj.String("osPackagePath"),
            ExternalRepoEndpoint = obj.String("externalRepoEndpoint"),
            ExternalRepoUsername = obj.String("externalRepoUsername"),
            ExternalRepoPassword = obj.String("externalRepoPassword"),
            ExternalRepoType = obj.String("externalRepoType"),
            ExternalRepoUrls = obj.StringList("externalRepoURLs").Select(u => u.Value).ToList(),
            SkipValidateOsPackage = obj.Bool("skipValidateOSPackage") ?? false,
        };
        if (result.ExternalRepoType is { } repoType && !KnownOsRepoTypes.Contains(repoType))
        {
            context.Warning(obj.Raw("externalRepoType"), obj.Child("externalRepoType"), $"\"{repoType}\" is not a distribution Kindling knows ({string.Join(", ", KnownOsRepoTypes)})");
        }

        obj.ReportUnknownKeys();
        return result;
    }

    private static ImagesAndCharts ReadImagesAndCharts(YamlObject? obj, YamlContext context)
    {
        if (obj is null)
        {
            return new ImagesAndCharts();
        }

        var sans = new List<string>();
        foreach (var (value, node, path) in obj.StringList("additionalSSLSubjectAltName", splitCommas: true))
        {
            if (NetworkNames.IsIp(value) || NetworkNames.IsHostName(value))
            {
                sans.Add(value);
            }
            else
            {
                context.Error(node, path, NetworkNames.DescribeInvalidHost(value) + "; expected an IP address or a domain name (several may be separated by commas)");
            }
        }

        var result = new ImagesAndCharts
        {
            Type = ReadRepoType(obj, context),
            ExternalImageRepo = obj.String("externalImageRepo"),
            ExternalImageRepoUsername = obj.String("externalImageRepoUsername"),
            ExternalImageRepoPassword = obj.String("externalImageRepoPassword"),
            ExternalChartRepoType = obj.String("externalChartRepoType"),
            ExternalChartRepo = obj.String("externalChartRepo"),
            ExternalChartRepoUsername = obj.String("externalChartRepoUsername"),
            ExternalChartRepoPassword = obj.String("externalChartRepoPassword"),
            AdditionalSslSubjectAltNames = sans,
        };
        if (result.ExternalChartRepoType is { } chartType && chartType is not ("chartmuseum" or "harbor" or "jfrog"))
        {
            context.Error(obj.Raw("externalChartRepoType"), obj.Child("externalChartRepoType"), $"\"{chartType}\" is not a chart repository type; expected chartmuseum, harbor or jfrog");
        }

        obj.ReportUnknownKeys();
        return result;
    }

    private static Binaries ReadBinaries(YamlObject? obj, YamlContext context)
    {
        if (obj is null)
        {
            return new Binaries();
        }

        var result = new Binaries { Type = ReadRepoType(obj, context), ExternalRepository = obj.String("externalRepository") };
        obj.ReportUnknownKeys();
        return result;
    }

    private static RepoType ReadRepoType(YamlObject obj, YamlContext context)
    {
        var text = obj.String("type");
        switch (text)
        {
            case null or "official-service":
                return RepoType.OfficialService;
            case "builtin":
                return RepoType.Builtin;
            case "external":
                return RepoType.External;
            default:
                context.Error(obj.Raw("type"), obj.Child("type"), $"\"{text}\" is not a repository type; expected official-service, builtin or external");
                return RepoType.OfficialService;
        }
    }

    private static void Validate(ClusterConfig config, YamlObject spec, YamlContext context)
    {
        ValidateNames(config, context);
        ValidatePorts(config, context);
        ValidateNodeNames(config, context);
        ValidateRepositories(config, context);
        ValidatePaths(config, context);
        _ = spec;
    }

    /// <summary>The line of a YAML path, or of <c>spec</c> when the path is absent (a missing field is reported where spec starts).</summary>
    private static int Line(YamlContext context, string path) => context.LineOf(path) is var l and > 0 ? l : context.LineOf("spec");

    /// <summary>The cluster has a name; a domain-name bootstrapNode is a valid host name.</summary>
    private static void ValidateNames(ClusterConfig config, YamlContext context)
    {
        if (string.IsNullOrWhiteSpace(config.ClusterName))
        {
            context.Error(Line(context, "spec.clusterName"), "spec.clusterName", "missing; name the cluster (e.g. clusterName: my-cluster)");
        }

        var node = config.BootstrapNode;
        if (config.BootstrapNodeMode == BootstrapNodeMode.Domain && !NetworkNames.IsHostName(node))
        {
            context.Error(Line(context, "spec.bootstrapNode"), "spec.bootstrapNode", NetworkNames.DescribeInvalidHost(node) + "; expected a domain name, an IP address or auto");
        }
    }

    /// <summary>The tinderKind services each have a port of their own.</summary>
    private static void ValidatePorts(ClusterConfig config, YamlContext context)
    {
        var ports = new (string Name, int Port)[]
        {
            ("registryPort", config.TinderKind.RegistryPort),
            ("minioServerPort", config.TinderKind.MinioServerPort),
            ("minioConsolePort", config.TinderKind.MinioConsolePort),
            ("chartmuseumPort", config.TinderKind.ChartmuseumPort),
        };
        foreach (var group in ports.GroupBy(p => p.Port).Where(g => g.Count() > 1))
        {
            var names = group.Select(p => p.Name).ToList();
            var path = $"spec.tinderKind.{names[1]}";
            context.Error(Line(context, path), path, $"port {group.Key} is also used by {string.Join(", ", names.Where(n => n != names[1]))}; each service needs its own port");
        }
    }

    /// <summary>Master and worker node names are unique.</summary>
    private static void ValidateNodeNames(ClusterConfig config, YamlContext context)
    {
        var allNodes = config.MasterNodes.Select((n, i) => (n, $"spec.masterNodes[{i}]"))
            .Concat(config.WorkerNodes.Select((n, i) => (n, $"spec.workerNodes[{i}]")))
            .Concat(config.EtcdNodes.Select((n, i) => (n, $"spec.etcdNodes[{i}]")));
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (n, path) in allNodes)
        {
            if (n.NodeName.Length > 0 && !path.StartsWith("spec.etcdNodes", StringComparison.Ordinal))
            {
                if (seen.TryGetValue(n.NodeName, out var first))
                {
                    context.Error(Line(context, $"{path}.nodeName"), $"{path}.nodeName", $"\"{n.NodeName}\" is already the name of {first}; node names must be unique");
                }
                else
                {
                    seen[n.NodeName] = path;
                }
            }
        }
    }

    /// <summary>Builtin repositories have the offline package and ISO they install from; external ones have their address.</summary>
    private static void ValidateRepositories(ClusterConfig config, YamlContext context)
    {
        if (config.UsesOfflinePackage && string.IsNullOrWhiteSpace(config.FullPackagePath))
        {
            var builtin = new List<string>();
            if (config.OsRepos.Type == RepoType.Builtin)
            {
                builtin.Add("osRepos");
            }

            if (config.ImagesAndCharts.Type == RepoType.Builtin)
            {
                builtin.Add("imagesAndCharts");
            }

            if (config.Binaries.Type == RepoType.Builtin)
            {
                builtin.Add("binaries");
            }

            context.Error(Line(context, "spec.fullPackagePath"), "spec.fullPackagePath", $"missing; {string.Join(", ", builtin)} use type builtin, which installs from the offline package: set fullPackagePath to the unpacked package folder");
        }

        if (config.OsRepos.Type == RepoType.Builtin && string.IsNullOrWhiteSpace(config.OsRepos.IsoPath))
        {
            context.Error(Line(context, "spec.osRepos"), "spec.osRepos.isoPath", "missing; builtin OS repositories are served from the OS ISO: set isoPath");
        }

        if (config.OsRepos.Type == RepoType.External && string.IsNullOrWhiteSpace(config.OsRepos.ExternalRepoEndpoint) && config.OsRepos.ExternalRepoUrls.Count == 0)
        {
            context.Error(Line(context, "spec.osRepos"), "spec.osRepos.externalRepoEndpoint", "missing; external OS repositories need externalRepoEndpoint or externalRepoURLs");
        }

        if (config.ImagesAndCharts.Type == RepoType.External && string.IsNullOrWhiteSpace(config.ImagesAndCharts.ExternalImageRepo))
        {
            context.Error(Line(context, "spec.imagesAndCharts"), "spec.imagesAndCharts.externalImageRepo", "missing; an external image repository needs its address");
        }

        if (config.Binaries.Type == RepoType.External && string.IsNullOrWhiteSpace(config.Binaries.ExternalRepository))
        {
            context.Error(Line(context, "spec.binaries"), "spec.binaries.externalRepository", "missing; external binaries need the repository address");
        }
    }

    /// <summary>No path holds a NUL character.</summary>
    private static void ValidatePaths(ClusterConfig config, YamlContext context)
    {
        foreach (var (key, path) in new[] { (config.FullPackagePath, "spec.fullPackagePath"), (config.OsRepos.IsoPath, "spec.osRepos.isoPath"), (config.OsRepos.OsPackagePath, "spec.osRepos.osPackagePath") })
        {
            if (key is { Length: > 0 } && key.Contains('\0', StringComparison.Ordinal))
            {
                context.Error(Line(context, path), path, "contains a NUL character");
            }
        }
    }

    /// <summary>Turns a YAML node into strings, lists and dictionaries, for fields kept but not interpreted.</summary>
    internal static object? ToPlain(YamlNode node) => node switch
    {
        YamlScalarNode scalar => YamlObject.IsNull(scalar) ? null : scalar.Value,
        YamlSequenceNode sequence => sequence.Children.Select(ToPlain).ToList(),
        YamlMappingNode mapping => mapping.Children.ToDictionary(kv => (kv.Key as YamlScalarNode)?.Value ?? kv.Key.ToString(), kv => ToPlain(kv.Value), StringComparer.Ordinal),
        _ => null,
    };
}
