using Kindling.Testing;

namespace Kindling.Cli.Tests;

/// <summary>Every kind of bad input to cluster-create gives exit code 2 and an error naming where it is.</summary>
public class ClusterCreateInvalidInputTests
{
    private const string Valid = """
        apiVersion: provision.daocloud.io/v1alpha3
        kind: ClusterConfig
        spec:
          clusterName: my-cluster
          bootstrapNode: www.tinder-node-server.com
          masterNodes:
            - nodeName: g-master1
              ip: 172.30.41.194
          fullPackagePath: /home/offline
          osRepos:
            type: builtin
            isoPath: /home/CentOS.iso
          imagesAndCharts:
            type: builtin
            additionalSSLSubjectAltName: 172.30.41.193
          binaries:
            type: builtin
        """;

    /// <summary>(case name, config text or null for the valid one, extra arguments, expected error fragment).</summary>
    public static TheoryData<string, string?, string[], string> Cases => new()
    {
        { "bad node IP", Valid.Replace("ip: 172.30.41.194", "ip: 300.1.1.1", StringComparison.Ordinal), [], "{file}:8: spec.masterNodes[0].ip: \"300.1.1.1\" is not an IP address" },
        { "bad apiVersion", Valid.Replace("v1alpha3", "v1", StringComparison.Ordinal), [], "{file}:1: apiVersion: \"provision.daocloud.io/v1\" is not supported" },
        { "wrong kind", Valid.Replace("kind: ClusterConfig", "kind: DCEManifest", StringComparison.Ordinal), [], "{file}:2: kind: \"DCEManifest\" is not ClusterConfig" },
        { "missing fullPackagePath with builtin repos", Valid.Replace("  fullPackagePath: /home/offline\n", "", StringComparison.Ordinal), [], "spec.fullPackagePath: missing; osRepos, imagesAndCharts, binaries use type builtin" },
        { "unknown osRepos.type", Valid.Replace("    type: builtin\n    isoPath", "    type: mirror\n    isoPath", StringComparison.Ordinal), [], "{file}:11: spec.osRepos.type: \"mirror\" is not a repository type" },
        { "step 0", null, ["-j", "0"], "kindling: -j 0: steps are numbered from 1" },
        { "step range with a dash", null, ["-j", "2-"], "kindling: -j 2-: \"2-\" is not a step" },
        { "global cluster step", null, ["-j", "1,6"], "step 6 installs the global cluster" },
        { "gproduct upgrade", null, ["-u", "gproduct"], "kindling: -u gproduct: upgrading gproduct" },
        { "unknown upgrade target", null, ["-u", "everything"], "\"everything\" is not a DCE upgrade target" },
        { "tab-indented YAML", Valid.Replace("  clusterName", "\tclusterName", StringComparison.Ordinal), [], "{file}:4: YAML syntax error at column 1" },
        { "empty file", "", [], "{file}:1: the file is empty; expected a ClusterConfig" },
        { "comments only", "# nothing here\n", [], "{file}:1: the file is empty" },
        { "bootstrapNode not a name", Valid.Replace("www.tinder-node-server.com", "www_tinder!", StringComparison.Ordinal), [], "{file}:5: spec.bootstrapNode: \"www_tinder!\" is neither an IP address nor a valid host name" },
        { "registry port out of range", Valid + "\n  tinderKind:\n    registryPort: 70000\n", [], "{file}:19: spec.tinderKind.registryPort: 70000 is out of range; expected 1 to 65535" },
        { "two services on one port", Valid + "\n  tinderKind:\n    chartmuseumPort: 9000\n", [], "port 9000 is also used by" },
        { "node without ip", Valid.Replace("      ip: 172.30.41.194\n", "", StringComparison.Ordinal), [], "{file}:7: spec.masterNodes[0].ip: missing" },
        { "ssh port not a number", Valid.Replace("      ip: 172.30.41.194", "      ip: 172.30.41.194\n      ansibleSSHPort: twenty-two", StringComparison.Ordinal), [], "{file}:9: spec.masterNodes[0].ansibleSSHPort: \"twenty-two\" is not a whole number" },
        { "bad additional SAN", Valid.Replace("additionalSSLSubjectAltName: 172.30.41.193", "additionalSSLSubjectAltName: \"172.30.41.193, 1.2.3.999\"", StringComparison.Ordinal), [], "{file}:15: spec.imagesAndCharts.additionalSSLSubjectAltName: \"1.2.3.999\" is not an IP address" },
        { "external images without repo", Valid.Replace("  imagesAndCharts:\n    type: builtin", "  imagesAndCharts:\n    type: external", StringComparison.Ordinal), [], "spec.imagesAndCharts.externalImageRepo: missing" },
        { "builtin OS repos without ISO", Valid.Replace("    isoPath: /home/CentOS.iso\n", "", StringComparison.Ordinal), [], "spec.osRepos.isoPath: missing" },
        { "no spec", "apiVersion: provision.daocloud.io/v1alpha3\nkind: ClusterConfig\n", [], "{file}:1: spec: missing" },
        { "duplicate key", Valid.Replace("  clusterName: my-cluster", "  clusterName: my-cluster\n  clusterName: other", StringComparison.Ordinal), [], "{file}:5: YAML syntax error at column 3: Duplicate key clusterName" },
        { "list where a mapping belongs", Valid.Replace("  osRepos:\n    type: builtin\n    isoPath: /home/CentOS.iso", "  osRepos:\n    - builtin", StringComparison.Ordinal), [], "{file}:11: spec.osRepos: expected a mapping" },
        { "bad -t address", null, ["-t", "1.2.3"], "kindling: -t 1.2.3: not an IP address" },
        { "bad --dns endpoint", null, ["--dns", "dns.example:53"], "kindling: --dns dns.example:53: expected ADDRESS or ADDRESS:PORT" },
        { "unknown flag", null, ["--no-such-flag"], "--no-such-flag" },
        { "replication URL not a node URL", null, ["--replicate-from", "ftp://10.0.0.1"], "kindling: --replicate-from 'ftp://10.0.0.1' is not a node URL: give https://HOST[:PORT]" },
        { "replication options without the primary", null, ["--replicate-interval", "5s"], "kindling: --replicate-credentials, --replicate-ca and --replicate-interval go with --replicate-from URL" },
        { "replication interval not a duration", null, ["--replicate-from", "https://10.0.0.1", "--replicate-interval", "soon"], "kindling: --replicate-interval 'soon': give a duration such as 30s" },
        { "keep-releases without --prune", null, ["--keep-releases", "1"], "kindling: --keep-releases and --prune-peer go with --prune" },
        { "prune without step 5", null, ["--prune", "-j", "1,2"], "kindling: --prune runs in step 5 (after the images are imported), which -j 1,2 does not include" },
        { "keep zero releases", null, ["--prune", "--keep-releases", "0"], "kindling: --keep-releases 0: must be at least 1" },
        { "prune peer without credentials", null, ["--prune", "--prune-peer", "https://127.0.0.1:1"], "kindling: --prune-peer: give --prune-peer-credentials FILE" },
        { "prune peer credentials without the peer", null, ["--prune", "--prune-peer-credentials", "/nonexistent/creds"], "kindling: --prune-peer-credentials and --prune-peer-ca go with --prune-peer URL" },
        { "missing replication credentials file", null, ["--replicate-from", "https://10.0.0.1", "--replicate-credentials", "/nonexistent/creds"], "kindling: /nonexistent/creds: no such file (given to --replicate-credentials or --replicate-ca)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ClusterCreate_InvalidInput_ExitsWith2AndNamesWhere(string name, string? config, string[] extra, string expected)
    {
        using var dir = new TempDirectory();
        var file = dir.Write("clusterConfig.yaml", config ?? Valid);

        string[] node = extra.Contains("-t") ? [] : ["-t", "172.30.41.193"];

        var result = await ProcessRunner.KindlingAsync(["cluster-create", "-c", file, "--dry-run", .. node, .. extra]);

        Assert.True(result.ExitCode == 2, $"{name}: {result}");
        Assert.Contains(expected.Replace("{file}", file, StringComparison.Ordinal), result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterCreate_MissingConfigFile_ExitsWith2()
    {
        var result = await ProcessRunner.KindlingAsync("cluster-create", "-c", "/nonexistent/clusterConfig.yaml", "--dry-run");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("-c /nonexistent/clusterConfig.yaml: no such file", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterCreate_ClusterConfigGivenAsManifest_ExitsWith2NamingTheManifest()
    {
        var config = Path.Combine(Repository.Samples, "clusterConfig.yaml");

        var result = await ProcessRunner.KindlingAsync("cluster-create", "-c", config, "-m", config, "--dry-run", "-t", "172.30.41.193");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{config}:1: apiVersion: \"provision.daocloud.io/v1alpha3\" is not supported; expected manifest.daocloud.io/v1alpha1", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterCreate_UnknownField_WarnsButSucceeds()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("clusterConfig.yaml", Valid + "\n  futureField: 1\n");

        var result = await ProcessRunner.KindlingAsync("cluster-create", "-c", file, "--dry-run", "-t", "172.30.41.193", "--dns", "127.0.0.1:9", "--hosts-file", dir.File("hosts"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{file}:18: warning: spec.futureField: unknown field, ignored", result.StdErr, StringComparison.Ordinal);
    }
}
