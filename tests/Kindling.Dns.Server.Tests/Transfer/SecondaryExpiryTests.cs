using System.Net;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Transfer;

/// <summary>
/// The SOA expire of a secondary zone counts from the last successful refresh (RFC 1035 §3.3.13), also across a
/// restart, where it is read from the zone file's modification time: so every successful refresh, "up to date"
/// included, touches the file (as BIND does). Else a zone unchanged for longer than its expire is dropped at the first
/// failed refresh after a restart, however recently the primary answered.
/// </summary>
public sealed class SecondaryExpiryTests : IDisposable
{
    private readonly TempDirectory _dir = new("kindling-secondary-expiry");
    private readonly List<DnsServer> _servers = [];

    private DnsServer Start(string folder, string conf, IPEndPoint endpoint)
    {
        var dir = Directory.CreateDirectory(_dir.File(folder)).FullName;
        File.WriteAllText(Path.Combine(dir, "named.conf"), conf);
        var server = DnsServer.Load(new DnsServerOptions(Path.Combine(dir, "named.conf")) { Listen = [endpoint], UdpThreads = 1 });
        _servers.Add(server);
        server.Start();
        return server;
    }

    [Fact]
    public async Task UpToDateRefresh_TouchesTheZoneFile_SoExpireCountsFromIt()
    {
        const string Zone = "$TTL 300\n@ SOA ns1 hostmaster 7 3600 600 86400 60\n NS ns1\nns1 A 192.0.2.53\n";
        var primaryAt = new IPEndPoint(IPAddress.Parse("127.0.0.6"), FreePort.TcpAndUdp("127.0.0.6"));
        var secondaryAt = new IPEndPoint(IPAddress.Parse("127.0.0.7"), FreePort.TcpAndUdp("127.0.0.7"));
        _dir.Write("primary/example.test.zone", Zone);
        // The secondary holds the same version, transferred 30 days ago (longer than the expire of one day).
        var held = _dir.Write("secondary/example.test.db", Zone);
        var longAgo = DateTime.UtcNow.AddDays(-30);
        File.SetLastWriteTimeUtc(held, longAgo);
        Start("primary", """
            options { notify no; };
            zone "example.test" { type primary; file "example.test.zone"; };
            """, primaryAt);

        var before = DateTime.UtcNow.AddMinutes(-1);
        Start("secondary", $$"""
            options { notify no; };
            zone "example.test" { type secondary; primaries { {{primaryAt.Address}} port {{primaryAt.Port}}; }; file "example.test.db"; };
            """, secondaryAt);

        // The refresh at start finds serial 7 at the primary: up to date, nothing transferred.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (File.GetLastWriteTimeUtc(held) < before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(File.GetLastWriteTimeUtc(held) >= before, $"{held} still has the modification time {File.GetLastWriteTimeUtc(held):O} after an up-to-date refresh");
        Assert.Equal(Zone, File.ReadAllText(held));
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        _dir.Dispose();
    }
}
