using System.Globalization;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Failover;

/// <summary>
/// A real BIND named as secondary of <c>kindling dns serve --failover</c>: each failover switch bumps the serial,
/// Kindling NOTIFYs the secondary (also-notify on loopback only), and named transfers the zone and answers the new side.
/// </summary>
public sealed class SecondaryFollowsFailoverTests : IDisposable
{
    private readonly TempDirectory _dir = new("kindling-secfail");

    public void Dispose() => _dir.Dispose();

    private static async Task<string> DigAsync(int port, string name = "www.tinder-node-server.com")
    {
        var dig = Requires.Tool("dig", "bind9-dnsutils");
        var result = await ProcessRunner.RunAsync(dig, ["@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "+short", "+tries=1", "+time=1", "+norecurse", name, "A"]);
        return result.StdOut.Trim();
    }

    private static async Task<string> WaitForAsync(int port, string expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = "";
        while (DateTime.UtcNow < deadline && (seen = await DigAsync(port)) != expected)
        {
            await Task.Delay(100);
        }

        return seen;
    }

    [Fact]
    public async Task NamedSecondary_FollowsEachSwitchThroughNotifyAndAxfr()
    {
        var named = Requires.Tool("named", "bind9");
        using var nodes = await PrimaryAndBackup.StartAsync();
        var kindlingPort = FreePort.TcpAndUdp("127.0.0.5");
        var secondaryPort = FreePort.TcpAndUdp("127.0.0.1");
        var kdir = Directory.CreateDirectory(_dir.File("kindling")).FullName;
        var sdir = Directory.CreateDirectory(_dir.File("secondary")).FullName;
        _dir.Write("kindling/ca.pem", nodes.CaPem);
        _dir.Write("kindling/tinder-node-server.com.zone", "$TTL 300\n@ IN SOA ns1 admin 1 3600 600 86400 60\n@ IN NS ns1\nns1 IN A 127.0.0.1\nwww 5 IN A 127.0.0.2\n");
        _dir.Write("kindling/named.conf", $$"""
            options { directory "{{kdir}}"; notify explicit; };
            zone "tinder-node-server.com" {
              type master; file "tinder-node-server.com.zone";
              allow-transfer { 127.0.0.1; };
              also-notify { 127.0.0.1 port {{secondaryPort}}; };
            };
            """);
        _dir.Write("kindling/failover.yaml", $$"""
            records:
              - name: www.tinder-node-server.com.
                primary: [127.0.0.2]
                backup: [127.0.0.3]
                check: { url: "https://{address}:{{nodes.Port}}/healthz", ca: ca.pem, rise: 2, holdDown: 2s }
            """);
        _dir.Write("secondary/named.conf", $$"""
            options {
              directory "{{sdir}}"; pid-file none; session-keyfile "{{sdir}}/session.key";
              listen-on port {{secondaryPort}} { 127.0.0.1; }; listen-on-v6 { none; };
              recursion no; notify no; dnssec-validation no;
            };
            controls { };
            zone "tinder-node-server.com" { type secondary; primaries { 127.0.0.5 port {{kindlingPort}}; }; file "{{sdir}}/tinder-node-server.com.db"; };
            """);

        using var kindling = new BackgroundProcess(Repository.KindlingScript,
            ["dns", "serve", "--named-conf", _dir.File("kindling/named.conf"), "--listen", $"127.0.0.5:{kindlingPort}", "--pid-file", _dir.File("kindling/pid"),
             "--failover", _dir.File("kindling/failover.yaml")]);
        await kindling.WaitForOutputAsync("checks started", TimeSpan.FromMinutes(5));
        using var secondary = new BackgroundProcess(named, ["-g", "-c", _dir.File("secondary/named.conf"), "-n", "1"]);
        Assert.True(await WaitForAsync(secondaryPort, "127.0.0.2", TimeSpan.FromSeconds(20)) == "127.0.0.2", secondary.Output);

        nodes.Primary.Kill();
        Assert.True(await WaitForAsync(secondaryPort, "127.0.0.3", TimeSpan.FromSeconds(20)) == "127.0.0.3", kindling.Output + "\n" + secondary.Output);

        await nodes.Primary.RestartAsync();
        Assert.True(await WaitForAsync(secondaryPort, "127.0.0.2", TimeSpan.FromSeconds(30)) == "127.0.0.2", kindling.Output + "\n" + secondary.Output);
        Assert.Contains("notify", secondary.Output, StringComparison.OrdinalIgnoreCase);
    }
}
