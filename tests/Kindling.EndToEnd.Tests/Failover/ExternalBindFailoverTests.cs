using System.Globalization;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Failover;

/// <summary>
/// External-BIND mode with real processes: <c>kindling failover --server --key</c> watching two HTTPS nodes on
/// 127.0.0.2 and 127.0.0.3 and switching a real named with TSIG-signed RFC 2136 updates; dig shows each switch.
/// </summary>
public sealed class ExternalBindFailoverTests
{
    [Fact]
    public async Task KindlingFailover_KillAndRestoreThePrimary_NamedFollows()
    {
        using var lab = await ExternalBindLab.StartAsync("127.0.0.2", "kindling-e2e");
        var config = lab.Dir.Write("failover.yaml", lab.Nodes.RecordsYaml("rise: 2", "holdDown: 2s"));
        var http = FreePort.Tcp().ToString(CultureInfo.InvariantCulture);
        using var kindling = new BackgroundProcess(Repository.KindlingScript,
            [.. lab.FailoverArguments(config), "--http", $"127.0.0.1:{http}"]);
        await kindling.WaitForOutputAsync("switching 1 record(s) on 127.0.0.1", TimeSpan.FromMinutes(5));
        Assert.Contains("the server holds 127.0.0.2 in zone tinder-node-server.com. (primary)", kindling.Output, StringComparison.Ordinal);

        lab.Nodes.Primary.Kill();
        Assert.True("127.0.0.3" == await lab.WaitForAsync("127.0.0.3", TimeSpan.FromSeconds(15)), kindling.Output);
        Assert.Contains("switched primary -> backup: primary down after 3 consecutive failed checks (", kindling.Output, StringComparison.Ordinal);

        await lab.Nodes.Primary.RestartAsync();
        Assert.True("127.0.0.2" == await lab.WaitForAsync("127.0.0.2", TimeSpan.FromSeconds(20)), kindling.Output);
        Assert.Contains("updated the server: 127.0.0.3 -> 127.0.0.2 (primary)", kindling.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KindlingFailover_StartsFromWhatNamedHolds()
    {
        using var lab = await ExternalBindLab.StartAsync("127.0.0.3", "kindling-e2e");
        var config = lab.Dir.Write("failover.yaml", $$"""
            records:
              - name: www.tinder-node-server.com.
                primary: [127.0.0.2]
                backup: [127.0.0.3]
                check: { url: "https://{address}:{{lab.Nodes.Port}}/healthz", ca: ca.pem, rise: 2, holdDown: 3s }
            """);

        using var kindling = new BackgroundProcess(Repository.KindlingScript,
            lab.FailoverArguments(config));
        await kindling.WaitForOutputAsync("switching 1 record(s)", TimeSpan.FromMinutes(5));

        // named holds the backup: kindling starts there and fails back only after rise and the hold-down.
        Assert.Contains("the server holds 127.0.0.3 in zone tinder-node-server.com. (backup)", kindling.Output, StringComparison.Ordinal);
        Assert.Equal("127.0.0.3", await lab.Named.DigAsync(ExternalBindLab.Name));
        Assert.True("127.0.0.2" == await lab.WaitForAsync("127.0.0.2", TimeSpan.FromSeconds(20)), kindling.Output);
    }

    [Fact]
    public async Task KindlingFailover_WrongKey_StopsWithBadSigAndChangesNothing()
    {
        var port = FreePort.Tcp("127.0.0.2");
        using var named = NamedServer.Start("tinder-node-server.com", "www 5 IN A 127.0.0.2");
        using var dir = new TempDirectory("kindling-e2e");
        var config = dir.Write("failover.yaml", $$"""
            records:
              - name: www.tinder-node-server.com.
                primary: [127.0.0.2]
                backup: [127.0.0.3]
                check: { url: "https://{address}:{{port}}/healthz" }
            """);

        var result = await ProcessRunner.KindlingAsync("failover", "--config", config, "--server", $"127.0.0.1:{named.Port}", "--key", named.WrongKeyFile);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("NotAuth (TSIG error BADSIG): check that --key holds the key the server knows", result.StdErr, StringComparison.Ordinal);
        Assert.Equal("127.0.0.2", await named.DigAsync("www.tinder-node-server.com"));
    }

    [Fact]
    public async Task KindlingFailover_InvalidFile_ExitsTwoNamingTheLine()
    {
        using var dir = new TempDirectory("kindling-e2e");
        var config = dir.Write("failover.yaml", "records:\n  - name: www.example.\n    primary: [10.0.0.300]\n    backup: [10.0.0.2]\n    check: { url: 'tcp://{address}:80' }\n");

        var result = await ProcessRunner.KindlingAsync("failover", "--config", config);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{config}:3: records[0].primary[0]: \"10.0.0.300\" is not an IPv4 or IPv6 address", result.StdErr, StringComparison.Ordinal);
    }
}
