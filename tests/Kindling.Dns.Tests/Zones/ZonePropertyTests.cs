using CsCheck;
using Kindling.Dns.Zones;

namespace Kindling.Dns.Tests.Zones;

public class ZonePropertyTests
{
    [Fact]
    public void ReadOfWritten_AnyRecords_AreTheSameRecords()
    {
        var origin = DomainName.Parse("example.");
        Generators.Record.Array[1, 8].Sample(records =>
        {
            var text = "$TTL 60\n" + string.Join('\n', records.Select(r => r.ToString())) + "\n";
            var read = new ZoneFileReader(new StringReader(text), "gen.zone", origin).ReadAll().Select(e => e.Record).ToList();
            Assert.Equal(records.Select(r => r with { Ttl = r.Ttl > int.MaxValue ? 0 : r.Ttl }), read);
        }, iter: 1000);
    }

    [Fact]
    public void Read_ArbitraryText_OnlyEverThrowsFormatErrors()
    {
        var chars = Gen.OneOf(Gen.Char['\0', '\x7f'], Gen.OneOfConst(' ', '\n', '(', ')', '"', ';', '\\', '$', '@', '.', 'A', '1'));
        chars.Array[0, 200].Sample(text =>
        {
            try
            {
                _ = new ZoneFileReader(new StringReader(new string(text)), "fuzz.zone", DomainName.Parse("example.")).ReadAll().Count();
            }
            catch (DnsFormatException)
            {
            }
        }, iter: 20000);
    }
}
