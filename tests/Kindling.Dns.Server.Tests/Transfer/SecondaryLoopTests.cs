using System.Net;
using Kindling.Dns.Server.Transfer;
using Kindling.Testing;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server.Tests.Transfer;

/// <summary>
/// The refresh loop of a secondary zone ends only when the zone is stopped: a round that fails with an exception the
/// transfer code does not expect is logged (zone and primary) and retried, as BIND keeps retrying.
/// </summary>
public sealed class SecondaryLoopTests : IDisposable
{
    private static readonly DomainName Origin = DomainName.Parse("example.test.");
    private readonly TempDirectory _dir = new("kindling-secondary-loop");
    private readonly List<DnsServer> _servers = [];

    private DnsServer Load(string folder, string conf)
    {
        var dir = Directory.CreateDirectory(_dir.File(folder)).FullName;
        File.WriteAllText(Path.Combine(dir, "named.conf"), conf);
        var server = DnsServer.Load(new DnsServerOptions(Path.Combine(dir, "named.conf")) { UdpThreads = 1 });
        _servers.Add(server);
        return server;
    }

    // A Kindling primary for example.test on 127.0.0.6 serving `zone`, allowing transfers to loopback.
    private IPEndPoint StartPrimary(string zone)
    {
        var primaryAt = new IPEndPoint(IPAddress.Parse("127.0.0.6"), FreePort.TcpAndUdp("127.0.0.6"));
        _dir.Write("primary/example.test.zone", zone);
        var primary = DnsServer.Load(new DnsServerOptions(_dir.Write("primary/named.conf", """
            options { notify no; };
            zone "example.test" { type primary; file "example.test.zone"; allow-transfer { 127.0.0.0/8; }; };
            """)) { Listen = [primaryAt], UdpThreads = 1 });
        _servers.Add(primary);
        primary.Start();
        return primaryAt;
    }

    [Fact]
    public async Task RoundFailingUnexpectedly_IsLogged_AndTheZoneStillRefreshesLater()
    {
        var primaryAt = StartPrimary("$TTL 300\n@ SOA ns1 hostmaster 7 3600 1 86400 60\n NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.80\n");
        // The secondary's zone, refreshed by a SecondaryZone whose first transfer fails with an exception no transfer
        // code expects (a stand-in for a bug reached by a primary's odd answer); later ones go to the primary.
        var secondary = Load("secondary", $$"""
            options { notify no; };
            zone "example.test" { type secondary; primaries { {{primaryAt.Address}} port {{primaryAt.Port}}; }; file "example.test.db"; };
            """);
        var config = secondary.Config.Zones.Single(z => z.Name == Origin);
        var log = new LogLines();
        var fetches = 0;
        await using var zone = new SecondaryZone(config, secondary.Store, () => secondary.Config, _ => null, log.CreateLogger("test"), TimeProvider.System)
        {
            Fetch = (from, key, held, source, cancellationToken) => Interlocked.Increment(ref fetches) == 1
                ? throw new InvalidOperationException("a fault the transfer code does not expect")
                : ZoneFetcher.TransferAsync(from, key, Origin, held, source, TimeSpan.FromSeconds(10), secondary.Config.MaxRecordsFor(config), TimeProvider.System, cancellationToken),
        };
        zone.Start();

        var line = await log.WaitForAsync("failed unexpectedly");
        Assert.Contains($"zone example.test.: refresh from {primaryAt} failed unexpectedly: a fault the transfer code does not expect", line);
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Error && l.Message == line);

        // The loop lives on: the retry (1 s after a first failure) transfers the zone.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && secondary.Store.Zones.Get(Origin) is null)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(secondary.Store.Zones.Get(Origin) is not null, $"the zone was never transferred after the failed round:\n{log}");
        Assert.Equal(7u, secondary.Store.Zones.Get(Origin)!.Serial);
        Assert.True(fetches >= 2);
        Assert.Equal(1, zone.Refreshes);
    }

    [Fact]
    public async Task FaultOutsideAnyPrimarysTransfer_IsLogged_AndTheLoopRetries()
    {
        var primaryAt = StartPrimary("$TTL 300\n@ SOA ns1 hostmaster 7 3600 1 86400 60\n NS ns1\nns1 A 192.0.2.53\n");
        var secondary = Load("secondary", $$"""
            options { notify no; };
            zone "example.test" { type secondary; primaries { {{primaryAt.Address}} port {{primaryAt.Port}}; }; file "example.test.db"; };
            """);
        var config = secondary.Config.Zones.Single(z => z.Name == Origin);
        var log = new LogLines();
        var reads = 0;
        // The first read of named.conf in a round fails: before any primary is asked.
        await using var zone = new SecondaryZone(config, secondary.Store,
            () => Interlocked.Increment(ref reads) == 1 ? throw new InvalidOperationException("named.conf unreadable this once") : secondary.Config,
            _ => null, log.CreateLogger("test"), TimeProvider.System);
        zone.Start();

        var line = await log.WaitForAsync("refresh round failed unexpectedly");
        Assert.Contains("zone example.test.: refresh round failed unexpectedly (named.conf unreadable this once); retrying in 1 s", line);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && secondary.Store.Zones.Get(Origin) is null)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(secondary.Store.Zones.Get(Origin) is not null, $"the zone was never transferred after the failed round:\n{log}");
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
