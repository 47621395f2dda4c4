using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Zones;

/// <summary>
/// <c>max-records-in-zone</c> on a zone file load (as BIND: the zone is not loaded): at start the server does not come
/// up, on a reload the previous version stays served; the error names the file, the count and the cap.
/// </summary>
public sealed class ZoneFileCapTests : IDisposable
{
    private static readonly DomainName Origin = DomainName.Parse("example.test.");
    private readonly TempDirectory _dir = new("kindling-zone-cap");

    // 4 records plus `extra` A records, the last on line 5 + extra.
    private void WriteZone(uint serial, int extra) => _dir.Write("example.test.zone",
        $"$TTL 300\n@ SOA ns1 hostmaster {serial} 3600 600 86400 60\n NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.80\n"
        + string.Concat(Enumerable.Range(0, extra).Select(i => $"x{i} A 192.0.2.{i + 1}\n")));

    private string WriteConf(string cap) => _dir.Write("named.conf", $$"""
        options { notify no; };
        zone "example.test" { type primary; file "example.test.zone"; {{cap}} };
        """);

    [Fact]
    public void ZoneFileOverTheCap_IsNotLoaded_NamingFileCountAndCap()
    {
        WriteZone(1, 6);
        WriteConf("max-records-in-zone 7;");

        var e = Assert.Throws<DnsFormatException>(() => DnsServer.Load(new DnsServerOptions(_dir.File("named.conf"))));

        Assert.Contains($"{_dir.File("example.test.zone")}: zone example.test. has 10 records, more than its max-records-in-zone 7", e.Message);
        Assert.Contains("example.test.zone:9)", e.Message); // the eighth record, x3, is on line 9 (after $TTL)
        Assert.Contains("not loaded", e.Message);
    }

    [Fact]
    public void ZoneFileAtTheCap_Loads_AndZeroMeansNoCap()
    {
        WriteZone(1, 3);
        WriteConf("max-records-in-zone 7;");
        using (var atCap = DnsServer.Load(new DnsServerOptions(_dir.File("named.conf"))))
        {
            Assert.Equal(1u, atCap.Zones.Get(Origin)!.Serial);
        }

        WriteZone(1, 250); // 0 is no cap, not a cap of 0
        WriteConf("max-records-in-zone 0;");
        using var none = DnsServer.Load(new DnsServerOptions(_dir.File("named.conf")));
        Assert.NotNull(none.Zones.Get(Origin)!.FindNode(DomainName.Parse("x249.example.test.")));
    }

    [Fact]
    public void ReloadOfAZoneFileOverTheCap_Fails_AndThePreviousVersionStaysServed()
    {
        WriteZone(1, 0);
        WriteConf("max-records-in-zone 5;");
        using var server = DnsServer.Load(new DnsServerOptions(_dir.File("named.conf")));

        WriteZone(2, 2);
        Assert.False(server.Reload(out var message));

        Assert.Contains("reload failed, still serving the previous zones", message);
        Assert.Contains("has 6 records, more than its max-records-in-zone 5", message);
        Assert.Equal(1u, server.Zones.Get(Origin)!.Serial);
        Assert.Null(server.Zones.Get(Origin)!.FindNode(DomainName.Parse("x0.example.test.")));
    }

    public void Dispose() => _dir.Dispose();
}
