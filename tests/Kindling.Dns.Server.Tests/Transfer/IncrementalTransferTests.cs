using System.Net;
using Kindling.Dns.Records;
using Kindling.Dns.Server.Transfer;
using Kindling.Dns.Server.Zones;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Transfer;

/// <summary>
/// Increments from a primary (IXFR, RFC 1995) applied by <see cref="ZoneStore.AcceptTransfer"/>: one that does not
/// apply is a <see cref="DnsFormatException"/>, which the secondary's refresh answers by falling back to AXFR; any
/// other exception would end the refresh loop for good.
/// </summary>
public sealed class IncrementalTransferTests : IDisposable
{
    private static readonly DomainName Origin = DomainName.Parse("example.test.");
    private readonly TempDirectory _dir = new("kindling-ixfr");

    private DnsServer Load(string zoneOptions = "")
    {
        _dir.Write("example.test.db", "$TTL 300\n@ SOA ns h 1 3600 600 86400 300\n NS ns\nns A 192.0.2.1\n");
        _dir.Write("named.conf", $"options {{ notify no; }};\nzone \"example.test\" {{ type primary; file \"example.test.db\"; {zoneOptions} }};\n");
        return DnsServer.Load(new DnsServerOptions(_dir.File("named.conf")));
    }

    private static TransferResult Increment(params ResourceRecord[] added)
    {
        var soa = (uint serial) => new ResourceRecord(Origin, 300, new SoaRecord(DomainName.Parse("ns.example.test."), DomainName.Parse("h.example.test."), serial, 3600, 600, 86400, 300));
        var change = new JournalEntry(1, 2, default, "") { Deleted = [soa(1)], Added = [soa(2), .. added] };
        return new TransferResult(2) { Changes = [change] };
    }

    [Fact]
    public void AcceptTransfer_IncrementAddingOutOfZoneRecord_IsAFormatError_NotACrash()
    {
        using var server = Load();
        var config = server.Config.Zones.Single(z => z.Name == Origin);
        var outside = new ResourceRecord(DomainName.Parse("www.elsewhere.test."), 300, new ARecord(IPAddress.Parse("192.0.2.66")));

        var e = Assert.Throws<DnsFormatException>(() => server.Store.AcceptTransfer(config, Increment(outside), "192.0.2.53#53", server.Config.MaxRecordsFor(config)));

        Assert.Contains("www.elsewhere.test.", e.Message);
        Assert.Contains("192.0.2.53#53", e.Message);
        Assert.Equal(1u, server.Zones.Get(Origin)!.Serial);
    }

    [Fact]
    public void AcceptTransfer_IncrementInZone_MovesToItsSerial()
    {
        using var server = Load();
        var config = server.Config.Zones.Single(z => z.Name == Origin);
        var www = new ResourceRecord(DomainName.Parse("www.example.test."), 300, new ARecord(IPAddress.Parse("192.0.2.80")));

        server.Store.AcceptTransfer(config, Increment(www), "192.0.2.53#53", server.Config.MaxRecordsFor(config));

        Assert.Equal(2u, server.Zones.Get(Origin)!.Serial);
    }

    [Fact]
    public void AcceptTransfer_IncrementLeavingTheZoneOverItsCap_IsNotApplied_AndTheHeldVersionStays()
    {
        // 3 records (SOA, NS, A) and a cap of 4: an increment adding one record fits, the next adding two does not.
        using var server = Load("max-records-in-zone 4;");
        var config = server.Config.Zones.Single(z => z.Name == Origin);
        var cap = server.Config.MaxRecordsFor(config);
        var a = (string name, string address) => new ResourceRecord(DomainName.Parse(name), 300, new ARecord(IPAddress.Parse(address)));
        server.Store.AcceptTransfer(config, Increment(a("www.example.test.", "192.0.2.80")), "192.0.2.53#53", cap);
        Assert.Equal(2u, server.Zones.Get(Origin)!.Serial);
        var journal = File.ReadAllText(_dir.File("example.test.db.kjnl"));

        var soa = (uint serial) => new ResourceRecord(Origin, 300, new SoaRecord(DomainName.Parse("ns.example.test."), DomainName.Parse("h.example.test."), serial, 3600, 600, 86400, 300));
        var over = new TransferResult(3) { Changes = [new JournalEntry(2, 3, default, "") { Deleted = [soa(2)], Added = [soa(3), a("x.example.test.", "192.0.2.1"), a("y.example.test.", "192.0.2.2")] }] };
        var e = Assert.Throws<DnsFormatException>(() => server.Store.AcceptTransfer(config, over, "192.0.2.53#53", cap));

        Assert.Contains("192.0.2.53#53: zone example.test. would hold 6 records after this IXFR, more than 4", e.Message);
        Assert.Contains("max-records-in-zone", e.Message);
        Assert.Equal(2u, server.Zones.Get(Origin)!.Serial);
        Assert.Null(server.Zones.Get(Origin)!.FindNode(DomainName.Parse("x.example.test.")));
        Assert.Equal(journal, File.ReadAllText(_dir.File("example.test.db.kjnl")));
    }

    public void Dispose() => _dir.Dispose();
}
