using Kindling.Testing;

namespace Kindling.Cli.Tests;

/// <summary><c>kindling client-config --format resolv</c>: the DNS instances from --dns or from the failover file's peers.</summary>
public class ClientConfigResolvTests
{
    private const string Records = """
        records:
          - name: www.tinder-node-server.com.
            primary: 172.30.41.193
            backup: 172.30.41.194
            check: {url: "tcp://{address}:443"}
        """;

    [Fact]
    public async Task Resolv_FromTheFailoverFilesPeers_ListsEveryInstance_WithShortTimeoutsAndRotate()
    {
        using var dir = new TempDirectory();
        dir.Write("peer.key", new string('k', 48));
        var file = dir.Write("failover.yaml", Records + "\n" + """
            peers:
              secret: peer.key
              urls: [http://172.30.41.192:8053, http://172.30.41.195:8053, "http://172.30.41.196:8053"]
            """);

        var result = await ProcessRunner.KindlingAsync("client-config", "--format", "resolv", "--failover", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StdOut.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("==", StringComparison.Ordinal)).ToList();
        Assert.Equal(["nameserver 172.30.41.192", "nameserver 172.30.41.195", "nameserver 172.30.41.196", "options timeout:1 attempts:2 rotate"], lines);
    }

    [Fact]
    public async Task Resolv_FailoverFileWithoutPeers_IsAUsageErrorNamingTheFile()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("failover.yaml", Records);

        var result = await ProcessRunner.KindlingAsync("client-config", "--format", "resolv", "--failover", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("failover.yaml: has no peers: section", result.StdErr);
        Assert.Contains("--dns", result.StdErr);
    }
}
