using System.Net;
using Kindling.Testing;

namespace Kindling.Config.Tests;

public class ClusterConfigLoaderTests
{
    private static LoadResult<ClusterConfig> LoadSample(string name) =>
        ClusterConfigLoader.LoadFile(Path.Combine(Repository.Samples, name));

    [Fact]
    public void LoadFile_SeedPrimaryConfig_LoadsUnchangedInDomainMode()
    {
        var result = LoadSample("clusterConfig.yaml");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Warnings);
        var config = result.Value!;
        Assert.Equal("my-cluster", config.ClusterName);
        Assert.Equal("www.tinder-node-server.com", config.BootstrapNode);
        Assert.Equal(BootstrapNodeMode.Domain, config.BootstrapNodeMode);
        Assert.Equal(["172.30.41.193"], config.ImagesAndCharts.AdditionalSslSubjectAltNames);
        Assert.Equal(RepoType.Builtin, config.OsRepos.Type);
        Assert.Equal("/home/CentOS-79-x86_64-DVD-2009.iso", config.OsRepos.IsoPath);
        Assert.Equal("/home/offline-fix-dns", config.FullPackagePath);
        var master = Assert.Single(config.MasterNodes);
        Assert.Equal("g-master1", master.NodeName);
        Assert.Equal(IPAddress.Parse("172.30.41.194"), master.Ip);
        Assert.Equal("admin", master.AnsiblePass);
        Assert.Empty(config.AddonPackagePaths);
    }

    [Fact]
    public void LoadFile_SeedBackupConfig_LoadsUnchangedInIpMode()
    {
        var result = LoadSample("clusterConfig-backup.yaml");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var config = result.Value!;
        Assert.Equal(BootstrapNodeMode.Ip, config.BootstrapNodeMode);
        Assert.Equal(IPAddress.Parse("172.30.41.194"), config.BootstrapNodeIp);
        Assert.Equal(["www.tinder-node-server.com"], config.ImagesAndCharts.AdditionalSslSubjectAltNames);
    }

    [Fact]
    public void Load_NoTinderKind_UsesDceDefaults()
    {
        var config = ClusterConfigLoader.Load("apiVersion: provision.daocloud.io/v1alpha4\nkind: ClusterConfig\nspec:\n  clusterName: c\n", "c.yaml").GetValueOrThrow();

        Assert.Equal("auto", config.BootstrapNode);
        Assert.Equal(BootstrapNodeMode.Auto, config.BootstrapNodeMode);
        Assert.Equal(443, config.TinderKind.RegistryPort);
        Assert.Equal(9000, config.TinderKind.MinioServerPort);
        Assert.Equal(9001, config.TinderKind.MinioConsolePort);
        Assert.Equal(8081, config.TinderKind.ChartmuseumPort);
        Assert.Equal("my-cluster-installer", config.TinderKind.InstanceName);
        Assert.Equal("/home/kind", config.TinderKind.ResourcesMountPath);
    }

    [Fact]
    public void Load_EveryReferenceField_IsReadAndNothingIsUnknown()
    {
        const string yaml = """
            apiVersion: provision.daocloud.io/v1alpha4
            kind: ClusterConfig
            spec:
              clusterName: prod
              bootstrapNode: auto
              tinderKind:
                instanceName: x-installer
                resourcesMountPath: /data/kind
                registryPort: 8443
                minioServerPort: 19000
                minioConsolePort: 19001
                chartmuseumPort: 18081
              masterNodes:
                - nodeName: m1
                  ip: 10.0.0.1
                  ansibleUser: root
                  ansiblePass: secret
                  ansibleSSHPort: 2222
                  ansibleExtraArgs: "-o StrictHostKeyChecking=no"
                  nodeTaints: ["node-role.kubernetes.io/control-plane:NoSchedule"]
                  nodeLabels: {zone: a}
              workerNodes:
                - nodeName: w1
                  ip: "fd00::1"
              etcdNodes:
                - nodeName: e1
                  ip: 10.0.0.9
              privateKeyPath: /root/.ssh/id_ed25519
              fullPackagePath: /home/offline
              osRepos:
                type: external
                externalRepoEndpoint: https://repo.example
                externalRepoUsername: u
                externalRepoPassword: p
                externalRepoType: rocky
                externalRepoURLs: [https://repo.example/rocky/8]
                skipValidateOSPackage: true
              imagesAndCharts:
                type: external
                externalImageRepo: harbor.example
                externalImageRepoUsername: u
                externalImageRepoPassword: p
                externalChartRepoType: harbor
                externalChartRepo: https://harbor.example/chartrepo
                externalChartRepoUsername: u
                externalChartRepoPassword: p
                additionalSSLSubjectAltName: "10.0.0.5, registry.example"
              addonPackage:
                path: [/home/addon1, /home/addon2]
              binaries:
                type: external
                externalRepository: https://files.example
              loadBalancer: {type: metallb, istioGatewayVip: 10.0.0.100/32}
              ntpServer: [10.0.0.2]
              externalMiddlewares: {}
              kubeanConfig: {}
              k8sVersion: v1.29.5
              auditConfig: {enable: true}
              network: {cni: calico}
              cri: {criProvider: containerd}
              renewCerts: {enable: true}
            """;

        var result = ClusterConfigLoader.Load(yaml, "full.yaml");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Warnings);
        var c = result.Value!;
        Assert.Equal(8443, c.TinderKind.RegistryPort);
        Assert.Equal(2222, c.MasterNodes[0].AnsibleSshPort);
        Assert.Equal("a", c.MasterNodes[0].NodeLabels["zone"]);
        Assert.Equal(IPAddress.Parse("fd00::1"), c.WorkerNodes[0].Ip);
        Assert.Equal(["10.0.0.5", "registry.example"], c.ImagesAndCharts.AdditionalSslSubjectAltNames);
        Assert.Equal(["/home/addon1", "/home/addon2"], c.AddonPackagePaths);
        Assert.True(c.OsRepos.SkipValidateOsPackage);
        Assert.Equal("v1.29.5", c.Retained["k8sVersion"]);
        Assert.Equal(9, c.Retained.Count);
    }

    [Fact]
    public void Load_UnknownField_WarnsWithPathAndLineButSucceeds()
    {
        var result = ClusterConfigLoader.Load("apiVersion: provision.daocloud.io/v1alpha3\nkind: ClusterConfig\nspec:\n  clusterName: c\n  bootstapNode: x\n", "c.yaml");

        Assert.True(result.Succeeded);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("c.yaml:5: warning: spec.bootstapNode: unknown field, ignored (check its spelling and indentation)", warning.ToString());
    }

    [Fact]
    public void Load_BadNodeIp_NamesFileLinePathAndValue()
    {
        const string yaml = "apiVersion: provision.daocloud.io/v1alpha3\nkind: ClusterConfig\nspec:\n  clusterName: c\n  masterNodes:\n    - nodeName: m\n      ip: 300.1.1.1\n";

        var result = ClusterConfigLoader.Load(yaml, "clusterConfig.yaml");

        Assert.False(result.Succeeded);
        Assert.Equal("clusterConfig.yaml:7: spec.masterNodes[0].ip: \"300.1.1.1\" is not an IP address", Assert.Single(result.Errors).ToString());
    }

    [Theory]
    [InlineData("10.1")]
    [InlineData("1")]
    [InlineData("01.2.3.4.5")]
    [InlineData(" 10.0.0.1")]
    [InlineData("256.0.0.1")]
    public void TryParseIp_Shorthand_IsRefused(string text) => Assert.False(NetworkNames.TryParseIp(text, out _));

    [Theory]
    [InlineData("www.tinder-node-server.com", true)]
    [InlineData("localhost", true)]
    [InlineData("-bad.example", false)]
    [InlineData("under_score.example", false)]
    [InlineData("1.2.3", false)]
    [InlineData("a..b", false)]
    public void IsHostName_FollowsRfc1123(string text, bool expected) => Assert.Equal(expected, NetworkNames.IsHostName(text));

    [Fact]
    public void Where_KnownPath_GivesFileAndLine()
    {
        var config = LoadSample("clusterConfig.yaml").GetValueOrThrow();

        Assert.EndsWith("clusterConfig.yaml:15: spec.fullPackagePath", config.Where("spec.fullPackagePath"), StringComparison.Ordinal);
    }
}
