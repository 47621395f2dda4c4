using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Failover;

/// <summary>
/// <c>kindling dns serve --failover</c> with two HTTPS nodes on 127.0.0.2 and 127.0.0.3 (nginx), asked by dig:
/// kill the primary and the backup answers; restart it and the primary answers after rise and the hold-down;
/// <c>kindling dns switch</c> forces a side over TSIG-signed UPDATE; a restarted server keeps the active side.
/// </summary>
public sealed class DnsServeFailoverTests : IDisposable
{
    private const string Name = "www.tinder-node-server.com";
    private readonly TempDirectory _dir = new("kindling-dnsfail");
    private readonly int _dnsPort = FreePort.TcpAndUdp();
    private readonly int _httpPort = FreePort.Tcp();
    private readonly string _secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public void Dispose() => _dir.Dispose();

    private string Setup(PrimaryAndBackup nodes, params string[] timing)
    {
        _dir.Write("ca.pem", nodes.CaPem);
        _dir.Write("switch.key", $"key \"switch\" {{ algorithm hmac-sha256; secret \"{_secret}\"; }};\n");
        _dir.Write("wrong.key", $"key \"switch\" {{ algorithm hmac-sha256; secret \"{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}\"; }};\n");
        _dir.Write("tinder-node-server.com.zone", """
            $TTL 300
            @ IN SOA ns1 admin 1 3600 600 86400 60
            @ IN NS ns1
            ns1 IN A 127.0.0.1
            www 5 IN A 127.0.0.2
            """);
        _dir.Write("named.conf", $$"""
            options { directory "{{_dir.Path}}"; notify no; };
            key "switch" { algorithm hmac-sha256; secret "{{_secret}}"; };
            zone "tinder-node-server.com" { type master; file "tinder-node-server.com.zone"; allow-update { key switch; }; notify no; };
            """);
        _dir.Write("failover.yaml", nodes.RecordsYaml(timing));
        return _dir.File("failover.yaml");
    }

    private BackgroundProcess Serve() => new(Repository.KindlingScript,
        ["dns", "serve", "--named-conf", _dir.File("named.conf"), "--listen", $"127.0.0.1:{_dnsPort}", "--pid-file", _dir.File("kindling.pid"),
         "--failover", _dir.File("failover.yaml"), "--http", $"127.0.0.1:{_httpPort}"]);

    /// <summary><see cref="Serve"/>, once its failover checks have started.</summary>
    private async Task<BackgroundProcess> ServeCheckingAsync()
    {
        var server = Serve();
        try
        {
            await server.WaitForOutputAsync("checks started", TimeSpan.FromMinutes(5));
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private async Task<string> DigAsync(string type = "A", string name = Name)
    {
        var dig = Requires.Tool("dig", "bind9-dnsutils");
        var result = await ProcessRunner.RunAsync(dig, ["@127.0.0.1", "-p", _dnsPort.ToString(CultureInfo.InvariantCulture), "+short", "+tries=1", "+time=1", name, type]);
        return result.StdOut.Trim();
    }

    private async Task<string> WaitForAsync(string expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = "";
        while (DateTime.UtcNow < deadline)
        {
            if ((seen = await DigAsync()) == expected)
            {
                break;
            }

            await Task.Delay(100);
        }

        return seen;
    }

    private async Task<uint> SerialAsync() => uint.Parse((await DigAsync("SOA", "tinder-node-server.com")).Split(' ')[2], CultureInfo.InvariantCulture);

    [Fact]
    public async Task KillAndRestoreThePrimary_DigFollows_AndEachSwitchBumpsTheSerial()
    {
        using var nodes = await PrimaryAndBackup.StartAsync();
        Setup(nodes, "rise: 3", "holdDown: 3s");
        using var server = await ServeCheckingAsync();
        Assert.Equal("127.0.0.2", await WaitForAsync("127.0.0.2", TimeSpan.FromSeconds(5)));
        var serial = await SerialAsync();

        nodes.Primary.Kill();
        Assert.True(await WaitForAsync("127.0.0.3", TimeSpan.FromSeconds(10)) == "127.0.0.3", server.Output);
        Assert.True(await SerialAsync() > serial);
        Assert.Contains("switched primary -> backup: primary down after 3 consecutive failed checks (", server.Output, StringComparison.Ordinal);

        await nodes.Primary.RestartAsync();
        var restarted = DateTime.UtcNow;
        Assert.True(await WaitForAsync("127.0.0.2", TimeSpan.FromSeconds(20)) == "127.0.0.2", server.Output);
        var took = DateTime.UtcNow - restarted;
        Assert.True(took >= TimeSpan.FromSeconds(3 + 2), $"failback after {took}: before rise (3 checks) and the 3 s hold-down");
        Assert.Contains("3 s hold-down has passed", server.Output, StringComparison.Ordinal);

        var status = await ProcessRunner.KindlingAsync("dns", "status", "--http", $"127.0.0.1:{_httpPort}");
        using var json = JsonDocument.Parse(status.StdOut);
        Assert.Equal(2, json.RootElement.GetProperty("records")[0].GetProperty("transitions").GetInt64());
    }

    [Fact]
    public async Task Switch_ForcesTheBackupWithTheRightKey_RefusesAWrongKey_AndAutoReturns()
    {
        using var nodes = await PrimaryAndBackup.StartAsync();
        Setup(nodes, "rise: 2", "holdDown: 1s");
        using var server = await ServeCheckingAsync();
        await Task.Delay(3000, TestContext.Current.CancellationToken); // past rise and hold-down, so 'auto' may fail back at once

        var wrong = await ProcessRunner.KindlingAsync("dns", "switch", "--server", $"127.0.0.1:{_dnsPort}", "--key", _dir.File("wrong.key"), Name, "backup");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("BADSIG", wrong.StdErr, StringComparison.Ordinal);
        Assert.Equal("127.0.0.2", await DigAsync());

        var forced = await ProcessRunner.KindlingAsync("dns", "switch", "--server", $"127.0.0.1:{_dnsPort}", "--key", _dir.File("switch.key"), Name, "backup");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal("127.0.0.3", await WaitForAsync("127.0.0.3", TimeSpan.FromSeconds(5)));
        Assert.Equal("\"backup\"", await DigAsync("TXT", "_failover." + Name));
        var status = await ProcessRunner.KindlingAsync("dns", "status", "--http", $"127.0.0.1:{_httpPort}");
        Assert.Contains("\"mode\": \"forceBackup\"", status.StdOut, StringComparison.Ordinal);

        var auto = await ProcessRunner.KindlingAsync("dns", "switch", "--server", $"127.0.0.1:{_dnsPort}", "--key", _dir.File("switch.key"), Name, "auto");
        Assert.True(auto.ExitCode == 0, auto.ToString());
        Assert.Equal("127.0.0.2", await WaitForAsync("127.0.0.2", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Restart_KeepsTheActiveSideFromTheJournal()
    {
        using var nodes = await PrimaryAndBackup.StartAsync();
        Setup(nodes, "rise: 2", "holdDown: 8s"); // a margin for a slow restart on a loaded machine
        using (var first = await ServeCheckingAsync())
        {
            nodes.Primary.Kill();
            Assert.True(await WaitForAsync("127.0.0.3", TimeSpan.FromSeconds(10)) == "127.0.0.3", first.Output);
        }

        await nodes.Primary.RestartAsync();
        using var second = await ServeCheckingAsync();

        // The primary is healthy again, but the restarted server keeps the backup until rise and the hold-down.
        Assert.Equal("127.0.0.3", await DigAsync());
        Assert.True(await WaitForAsync("127.0.0.2", TimeSpan.FromSeconds(20)) == "127.0.0.2", second.Output);
    }
}
