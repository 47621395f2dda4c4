using Kindling.Testing;

namespace Kindling.Cli.Tests;

public class ClusterCreateDryRunTests
{
    private static string Sample(string name) => Path.Combine(Repository.Samples, name);

    [Fact]
    public async Task DryRun_PrimarySeedConfig_PrintsStepsIpSansAndHostsActionWithoutWriting()
    {
        using var dir = new TempDirectory();
        var hosts = dir.Write("hosts", "127.0.0.1 localhost\n");

        var result = await ProcessRunner.KindlingAsync("cluster-create", "-c", Sample("clusterConfig.yaml"), "-m", Sample("manifest.yaml"),
            "--dry-run", "-t", "172.30.41.193", "--dns", "127.0.0.1:9", "--hosts-file", hosts, "--data", dir.File("data"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var o = result.StdOut;
        Assert.Contains("bootstrap node   www.tinder-node-server.com (domain-name mode)", o, StringComparison.Ordinal);
        Assert.Contains("node IP          172.30.41.193 (from -t)", o, StringComparison.Ordinal);
        Assert.Contains("SANs: www.tinder-node-server.com, 172.30.41.193,", o, StringComparison.Ordinal);
        Assert.Contains($"adding \"172.30.41.193 www.tinder-node-server.com\" to {hosts}", o, StringComparison.Ordinal);
        for (var step = 1; step <= 5; step++)
        {
            Assert.Contains($"  run   {step}  ", o, StringComparison.Ordinal);
        }

        Assert.Contains("skip  6+ global cluster", o, StringComparison.Ordinal);
        Assert.Contains("Dry run: nothing was changed.", o, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1 localhost\n", File.ReadAllText(hosts));
        Assert.False(Directory.Exists(dir.File("data")));
    }

    [Fact]
    public async Task DryRun_BackupSeedConfigWithSteps1To5_UsesItsIpAndLeavesHostsAlone()
    {
        using var dir = new TempDirectory();

        var result = await ProcessRunner.KindlingAsync("cluster-create", "-c", Sample("clusterConfig-backup.yaml"), "-j", "1,2,3,4,5",
            "--dry-run", "--hosts-file", dir.File("hosts"), "--data", dir.File("data"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("node IP          172.30.41.194 (spec.bootstrapNode)", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("SANs: 172.30.41.194, www.tinder-node-server.com,", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("IP mode", result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("skip  6+", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DryRun_BackupFollowingThePrimary_ShowsTheReplication()
    {
        using var dir = new TempDirectory();
        var credentials = dir.Write("primary-admin-credentials", "admin:secret\n");

        var result = await ProcessRunner.KindlingAsync("cluster-create", "-c", Sample("clusterConfig-backup.yaml"), "-j", "1,2,3,4,5",
            "--dry-run", "--hosts-file", dir.File("hosts"), "--data", dir.File("data"),
            "--replicate-from", "https://172.30.41.193", "--replicate-credentials", credentials, "--replicate-interval", "10s");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("replication      follow https://172.30.41.193/ every 10s; copy back to the primary what this node receives", result.StdOut, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("data")));
    }

    [Fact]
    public async Task DryRun_OnlySteps3And4_SkipsTheOthersAndTheHostsCheck()
    {
        var result = await ProcessRunner.KindlingAsync("cluster-create", "-c", Sample("clusterConfig.yaml"), "-j", "3,4", "--dry-run", "-t", "172.30.41.193");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("  skip  1  ", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("  run   3  ", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("  skip  5  ", result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("hosts file", result.StdOut, StringComparison.Ordinal);
    }
}
