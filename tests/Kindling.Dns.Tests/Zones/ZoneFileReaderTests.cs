using Kindling.Dns.Records;
using Kindling.Dns.Zones;
using Kindling.Testing;

namespace Kindling.Dns.Tests.Zones;

public class ZoneFileReaderTests
{
    private static readonly DomainName Origin = DomainName.Parse("example.com.");

    private static List<ResourceRecord> Read(string text, DomainName? origin = null) =>
        new ZoneFileReader(new StringReader(text), "test.zone", origin ?? Origin).ReadAll().Select(e => e.Record).ToList();

    [Fact]
    public void ReadAll_SeedForwardZone_LoadsEveryRecord()
    {
        var path = Path.Combine(Repository.Samples, "dns", "tinder-node-server.com.zone");
        using var reader = new ZoneFileReader(path, DomainName.Parse("tinder-node-server.com."));

        var records = reader.ReadAll().Select(e => e.Record.ToString()).ToList();

        Assert.Equal(
        [
            "tinder-node-server.com. 86400 IN SOA tinder-node-server.com. rname.invalid. 0 86400 3600 604800 10800",
            "tinder-node-server.com. 86400 IN NS tinder-node-server.com.",
            "tinder-node-server.com. 86400 IN A 127.0.0.1",
            "tinder-node-server.com. 86400 IN AAAA ::1",
            "tinder-node-server.com. 86400 IN NS ns.tinder-node-server.com.",
            "ns.tinder-node-server.com. 86400 IN A 172.30.41.193",
            "www.tinder-node-server.com. 86400 IN A 172.30.41.193",
            "email.tinder-node-server.com. 86400 IN A 172.30.41.193",
        ], records);
    }

    [Fact]
    public void ReadAll_SeedReverseZone_HasBothPtrRecords()
    {
        var path = Path.Combine(Repository.Samples, "dns", "tinder-node-server.com.local");
        using var reader = new ZoneFileReader(path, DomainName.Parse("41.30.172.in-addr.arpa."));

        var ptrs = reader.ReadAll().Where(e => e.Record.Type == RecordType.PTR && e.Record.Name.ToString().StartsWith("201", StringComparison.Ordinal)).ToList();

        Assert.Equal(["www.tinder-node-server.com.", "email.tinder-node-server.com."], ptrs.Select(p => p.Record.Data!.ToString()));
    }

    [Fact]
    public void ReadAll_TtlAndClassInEitherOrder_AndUnits()
    {
        var records = Read("$TTL 1h\n@ SOA ns h 1 2 3 4 5\na 1W IN A 192.0.2.1\nb IN 3H30M A 192.0.2.2\nc A 192.0.2.3\n");

        Assert.Equal([3600u, 604800u, 12600u, 3600u], records.Select(r => r.Ttl));
    }

    [Fact]
    public void ReadAll_OmittedOwner_CarriesThePreviousOne()
    {
        var records = Read("$TTL 60\nwww A 192.0.2.1\n      A 192.0.2.2\n\tTXT \"x\"\n");

        Assert.All(records, r => Assert.Equal("www.example.com.", r.Name.ToString()));
    }

    [Fact]
    public void ReadAll_WithoutTtlDirective_UsesLastExplicitTtl()
    {
        var records = Read("@ 300 SOA ns h 1 2 3 4 5\nwww A 192.0.2.1\n");

        Assert.Equal(300u, records[1].Ttl);
    }

    [Fact]
    public void ReadAll_OriginDirective_ChangesRelativeNames()
    {
        var records = Read("$TTL 60\n$ORIGIN sub.example.com.\nwww A 192.0.2.1\n@ TXT \"apex of sub\"\nx CNAME www\n");

        Assert.Equal(["www.sub.example.com.", "sub.example.com.", "x.sub.example.com."], records.Select(r => r.Name.ToString()));
        Assert.Equal("www.sub.example.com.", records[2].Data!.ToString());
    }

    [Fact]
    public void ReadAll_ParenthesesAndComments_SpanLines()
    {
        var records = Read("$TTL 60\n@ IN SOA ns.example.com. ( ; primary\n  host.example.com. ; rname\n  2024010101 ; serial\n  1D 2H ( 3W ) 5M )\n");

        var soa = Assert.IsType<SoaRecord>(records.Single().Data);
        Assert.Equal(2024010101u, soa.Serial);
        Assert.Equal(86400u, soa.Refresh);
        Assert.Equal(1814400u, soa.Expire);
        Assert.Equal(300u, soa.Minimum);
    }

    [Fact]
    public void ReadAll_QuotedStringsWithEscapes_KeepOctets()
    {
        var records = Read("$TTL 60\nt TXT \"semi;colon\" \"quote\\\"d\" \"tab\\009x\" plain\n");

        var txt = Assert.IsType<TxtRecord>(records.Single().Data);
        Assert.Equal(["semi;colon", "quote\"d", "tab\tx", "plain"], txt.Strings.Select(s => System.Text.Encoding.Latin1.GetString(s)));
    }

    [Fact]
    public void ReadAll_GenericRdata_Rfc3597()
    {
        var records = Read("$TTL 60\na TYPE1 \\# 4 C0000201\nb TYPE65280 \\# 3 ABCDEF\nc A \\# 4 c0 00 02 02\n");

        Assert.Equal("192.0.2.1", records[0].Data!.ToString());
        Assert.Equal(RecordType.A, records[0].Type);
        Assert.Equal(@"\# 3 ABCDEF", records[1].Data!.ToString());
        Assert.Equal("192.0.2.2", records[2].Data!.ToString());
    }

    [Theory]
    [InlineData("$TTL 60\nwww A 300.1.1.1\n", 2, 7, "bad IPv4 address")]
    [InlineData("$TTL 60\nwww BOGUS x\n", 2, 5, "unknown or unsupported record type")]
    [InlineData("$TTL 60\nwww MX 10\n", 2, 8, "missing MX exchange")]
    [InlineData("$TTL 60\n@ SOA ns h ( 1 2 3 4 5\n", 2, 12, "'(' is never closed")]
    [InlineData("$TTL 60\nwww TXT \"open\n", 2, 9, "quoted string is not closed")]
    [InlineData("www A 192.0.2.1\n", 1, 5, "no TTL")]
    [InlineData("$TTL 60\nwww CH A 192.0.2.1\n", 2, 8, "class CH does not match")]
    [InlineData("$TTL 60\n$INCLUDE other.zone\n", 2, 10, "$INCLUDE is not allowed here")]
    public void Next_BadInput_ReportsFileLineColumn(string text, int line, int column, string what)
    {
        var e = Assert.Throws<ZoneFileException>(() => Read(text));

        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(what, e.What);
        Assert.StartsWith($"test.zone:{line}:{column}: ", e.Message);
    }

    [Fact]
    public void Include_InsideTheFolder_IsReadWithItsOwnOrigin()
    {
        using var dir = new TempDirectory();
        dir.Write("hosts.inc", "h1 A 192.0.2.10\n");
        var main = dir.Write("main.zone", "$TTL 60\n$INCLUDE hosts.inc lab.example.com.\nafter A 192.0.2.11\n");

        using var reader = new ZoneFileReader(main, Origin);
        var names = reader.ReadAll().Select(e => e.Record.Name.ToString()).ToList();

        Assert.Equal(["h1.lab.example.com.", "after.example.com."], names);
    }

    [Fact]
    public void Include_OutsideTheFolder_IsRefused()
    {
        using var dir = new TempDirectory();
        var main = dir.Write("zones/main.zone", "$TTL 60\n$INCLUDE ../../../etc/passwd\n");

        using var reader = new ZoneFileReader(main, Origin);
        var e = Assert.Throws<ZoneFileException>(() => reader.ReadAll().ToList());

        Assert.Contains("outside the configuration folder", e.Message);
    }

    [Fact]
    public void Next_LargeFile_IsStreamedOneRecordAtATime()
    {
        // A generator that would take gigabytes as a string: the reader pulls only what it needs.
        var reader = new ZoneFileReader(new EndlessZone(), "endless.zone", Origin);

        for (var i = 0; i < 100_000; i++)
        {
            Assert.NotNull(reader.Next());
        }
    }

    private sealed class EndlessZone : TextReader
    {
        private string _line = "$TTL 60\n";
        private int _position;
        private long _count;

        public override int Read()
        {
            if (_position == _line.Length)
            {
                _line = $"h{_count++} A 192.0.2.1\n";
                _position = 0;
            }

            return _line[_position++];
        }

        public override int Peek() => _position == _line.Length ? 'h' : _line[_position];
    }
}
