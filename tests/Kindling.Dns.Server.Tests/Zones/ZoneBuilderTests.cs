using System.Net;
using Kindling.Dns.Records;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Zones;

namespace Kindling.Dns.Server.Tests.Zones;

public class ZoneBuilderTests
{
    private static readonly DomainName Origin = DomainName.Parse("example.test.");

    private static ZoneBuilder Builder(string text)
    {
        var builder = new ZoneBuilder(Origin);
        foreach (var entry in new ZoneFileReader(new StringReader(text), "t.zone", Origin).ReadAll())
        {
            builder.Add(entry.Record, $"{entry.File}:{entry.Line}");
        }

        return builder;
    }

    private const string Head = "$TTL 300\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n";

    [Theory]
    [InlineData("$TTL 300\n@ NS ns\nns A 192.0.2.1\n", "has no SOA")]
    [InlineData("$TTL 300\n@ SOA ns h 1 2 3 4 5\nns A 192.0.2.1\n", "has no NS")]
    [InlineData(Head + "www CNAME ns\nwww A 192.0.2.2\n", "t.zone:5: www.example.test. has CNAME and other data")]
    [InlineData(Head + "sub NS ns.sub\n", "NS 'ns.sub.example.test.' of sub.example.test. has no address records")]
    [InlineData("$TTL 300\n@ SOA ns h 1 2 3 4 5\n NS ns2\nns A 192.0.2.1\n", "NS 'ns2.example.test.' of example.test. has no address records")]
    public void Build_InvalidZone_SaysWhatBindWouldSay(string text, string expected)
    {
        var e = Assert.Throws<DnsFormatException>(() => Builder(text).Build("t.zone"));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Build_OutOfZoneRecord_IsDroppedWithAWarning()
    {
        var builder = Builder(Head + "www.other.test. A 192.0.2.9\n");

        var zone = builder.Build("t.zone");

        Assert.Contains(builder.Warnings, w => w.Contains("ignoring out-of-zone data", StringComparison.Ordinal));
        Assert.Null(zone.FindNode(DomainName.Parse("www.other.test.")));
    }

    [Fact]
    public void Build_TtlWithinOneOwnerRun_KeepsTheFirst_AsBind()
    {
        var zone = Builder(Head + "w 600 A 192.0.2.2\nw 100 A 192.0.2.3\nv A 192.0.2.4\nV 50 A 192.0.2.5\n").Build("t.zone");

        Assert.Equal(600u, zone.FindNode(DomainName.Parse("w.example.test."))!.Find(RecordType.A)!.Ttl);
        // A new run (the owner written differently) replaces the RRset's TTL, as BIND's database merge does.
        Assert.Equal(50u, zone.FindNode(DomainName.Parse("v.example.test."))!.Find(RecordType.A)!.Ttl);
    }

    [Fact]
    public void Build_DuplicateRecords_AreMerged()
    {
        var zone = Builder(Head + "w A 192.0.2.2\nw A 192.0.2.2\n").Build("t.zone");

        Assert.Single(zone.FindNode(DomainName.Parse("w.example.test."))!.Find(RecordType.A)!.Records);
    }

    [Fact]
    public void Build_DeepName_CreatesEmptyNonTerminals()
    {
        var zone = Builder(Head + "a.b.c A 192.0.2.2\n").Build("t.zone");

        Assert.True(zone.FindNode(DomainName.Parse("b.c.example.test."))!.IsEmpty);
        Assert.True(zone.FindNode(DomainName.Parse("c.example.test."))!.IsEmpty);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), ((ARecord)zone.FindNode(DomainName.Parse("a.b.c.example.test."))!.Find(RecordType.A)!.Records[0]).Address);
    }
}
