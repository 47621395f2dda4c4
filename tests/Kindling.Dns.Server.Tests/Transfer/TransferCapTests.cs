using System.Net;
using Kindling.Dns.Client;
using Kindling.Dns.Config;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Transfer;

/// <summary>
/// A transfer of a secondary zone may bring at most <c>max-records-in-zone</c> records (BIND's option; Kindling's
/// default 5,000,000): a primary sending more has its transfer stopped, logged with the zone, the primary and the cap,
/// and the version held keeps being served.
/// </summary>
public sealed class TransferCapTests : IDisposable
{
    private static readonly DomainName Origin = DomainName.Parse("example.test.");
    private readonly TempDirectory _dir = new("kindling-transfer-cap");
    private readonly List<DnsServer> _servers = [];

    private DnsServer Start(string folder, string conf, IPEndPoint endpoint, LogLines? log = null)
    {
        var dir = Directory.CreateDirectory(_dir.File(folder)).FullName;
        File.WriteAllText(Path.Combine(dir, "named.conf"), conf);
        var options = new DnsServerOptions(Path.Combine(dir, "named.conf")) { Listen = [endpoint], UdpThreads = 1 };
        var server = DnsServer.Load(log is null ? options : options with { LoggerFactory = log });
        _servers.Add(server);
        server.Start();
        return server;
    }

    // refresh 1 s, retry 1 s: the secondary asks every second.
    private static string Zone(uint serial, int extraNames) =>
        $"$TTL 300\n@ SOA ns1 hostmaster {serial} 1 1 86400 60\n NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.80\n"
        + string.Concat(Enumerable.Range(0, extraNames).Select(i => $"x{i} A 192.0.2.{i + 1}\n"));

    [Fact]
    public async Task TransferOverTheCap_IsStopped_Logged_AndTheHeldVersionStaysServed()
    {
        var primaryAt = new IPEndPoint(IPAddress.Parse("127.0.0.6"), FreePort.TcpAndUdp("127.0.0.6"));
        var secondaryAt = new IPEndPoint(IPAddress.Parse("127.0.0.7"), FreePort.TcpAndUdp("127.0.0.7"));
        _dir.Write("primary/example.test.zone", Zone(7, 0));
        var primary = Start("primary", """
            options { notify no; };
            zone "example.test" { type primary; file "example.test.zone"; allow-transfer { 127.0.0.0/8; }; };
            """, primaryAt);
        var log = new LogLines();
        var secondary = Start("secondary", $$"""
            options { notify no; max-records-in-zone 1000; };
            zone "example.test" {
                type secondary; primaries { {{primaryAt.Address}} port {{primaryAt.Port}}; }; file "example.test.db";
                max-records-in-zone 5;
            };
            """, secondaryAt, log);
        var client = new DnsClient(secondaryAt, TimeSpan.FromMilliseconds(500), attempts: 1);
        await log.WaitForAsync("serial none -> 7");
        Assert.Equal([IPAddress.Parse("192.0.2.80")], (await client.QueryAsync(DomainName.Parse("www.example.test."), RecordType.A, TestContext.Current.CancellationToken)).AnswerAddresses());

        // Serial 8 has 4 + 10 records: over the zone's cap of 5 (the options' 1000 would admit it).
        _dir.Write("primary/example.test.zone", Zone(8, 10));
        Assert.True(primary.Reload(out var reloaded), reloaded);

        var line = await log.WaitForAsync("more than 5 records");
        Assert.Contains($"zone example.test.: refresh from {primaryAt} failed", line);
        Assert.Contains("max-records-in-zone", line);
        Assert.Equal(7u, secondary.Store.Zones.Get(Origin)!.Serial);
        Assert.Equal([IPAddress.Parse("192.0.2.80")], (await client.QueryAsync(DomainName.Parse("www.example.test."), RecordType.A, TestContext.Current.CancellationToken)).AnswerAddresses());
        Assert.Empty((await client.QueryAsync(DomainName.Parse("x0.example.test."), RecordType.A, TestContext.Current.CancellationToken)).Answers);
        Assert.DoesNotContain("x0.example.test.", File.ReadAllText(_dir.File("secondary/example.test.db")));
    }

    [Fact]
    public void Cap_IsTheZonesSetting_ElseTheOptions_ElseTheDefault_AndZeroMeansNone()
    {
        var conf = NamedConf.FromText("""
            options { max-records-in-zone 1000; };
            zone "a.test" { type secondary; primaries { 192.0.2.1; }; max-records-in-zone 5; };
            zone "b.test" { type secondary; primaries { 192.0.2.1; }; };
            zone "c.test" { type secondary; primaries { 192.0.2.1; }; max-records-in-zone 0; };
            """, _dir.File("named.conf"));
        var plain = NamedConf.FromText("""zone "b.test" { type secondary; primaries { 192.0.2.1; }; };""", _dir.File("plain.conf"));

        Assert.Equal([5, 1000, int.MaxValue], conf.Zones.Select(conf.MaxRecordsFor));
        Assert.Equal(NamedConf.DefaultMaxRecordsInZone, plain.MaxRecordsFor(plain.Zones[0]));
        Assert.Equal(5_000_000, NamedConf.DefaultMaxRecordsInZone);
        var bad = Assert.Throws<NamedConfException>(() => NamedConf.FromText("options { max-records-in-zone many; };", _dir.File("bad.conf")));
        Assert.Contains("max-records-in-zone: expected a whole number", bad.Message);
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
