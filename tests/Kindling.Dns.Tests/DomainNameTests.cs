namespace Kindling.Dns.Tests;

public class DomainNameTests
{
    [Fact]
    public void Parse_MixedCase_ComparesWithoutCaseButKeepsIt()
    {
        var a = DomainName.Parse("WwW.Example.COM.");
        var b = DomainName.Parse("www.example.com");

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal("WwW.Example.COM.", a.ToString());
        Assert.False(a.EqualsExactly(b));
    }

    [Fact]
    public void Parse_RelativeName_AppendsOrigin()
    {
        var origin = DomainName.Parse("example.com.");

        Assert.Equal("www.example.com.", DomainName.Parse("www", origin).ToString());
        Assert.Equal("example.com.", DomainName.Parse("@", origin).ToString());
        Assert.Equal("www.other.", DomainName.Parse("www.other.", origin).ToString());
    }

    [Fact]
    public void Parse_Escapes_DecodeToOctets()
    {
        var name = DomainName.Parse(@"a\.b\032c\\.example.");

        Assert.Equal(2, name.LabelCount);
        Assert.Equal("a.b c\\"u8.ToArray(), name.FirstLabel.ToArray());
        Assert.Equal(@"a\.b\032c\\.example.", name.ToString());
    }

    [Theory]
    [InlineData("a..b", "empty label")]
    [InlineData(@"a\", "dangling backslash")]
    [InlineData(@"a\25", "three digits")]
    [InlineData(@"a\256", "above 255")]
    public void TryParse_BadText_ExplainsWhy(string text, string expected)
    {
        Assert.False(DomainName.TryParse(text, DomainName.Root, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Parse_LabelOf64Octets_IsRejected()
    {
        Assert.True(DomainName.TryParse(new string('a', 63) + ".com", DomainName.Root, out _, out _));
        Assert.False(DomainName.TryParse(new string('a', 64) + ".com", DomainName.Root, out _, out var error));
        Assert.Contains("63", error);
    }

    [Fact]
    public void Parse_NameOver255Octets_IsRejected()
    {
        var label = new string('a', 63);
        Assert.True(DomainName.TryParse($"{label}.{label}.{label}.{new string('b', 61)}.", DomainName.Root, out var max, out _));
        Assert.Equal(255, max.WireLength);
        Assert.False(DomainName.TryParse($"{label}.{label}.{label}.{new string('b', 62)}.", DomainName.Root, out _, out var error));
        Assert.Contains("255", error);
    }

    [Fact]
    public void IsSubdomainOf_ComparesWholeLabels()
    {
        var zone = DomainName.Parse("example.com.");

        Assert.True(DomainName.Parse("a.b.EXAMPLE.com.").IsSubdomainOf(zone));
        Assert.True(zone.IsSubdomainOf(zone));
        Assert.False(DomainName.Parse("badexample.com.").IsSubdomainOf(zone));
        Assert.True(zone.IsSubdomainOf(DomainName.Root));
    }

    [Fact]
    public void CompareTo_FollowsCanonicalOrder()
    {
        // RFC 4034 §6.1 example order
        string[] ordered = ["example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."];
        var names = ordered.Select(DomainName.Parse).ToList();
        var sorted = names.OrderBy(n => n).ToList();

        Assert.Equal(ordered.Select(o => DomainName.Parse(o).ToString()), sorted.Select(n => n.ToString()));
    }

    [Fact]
    public void FromWire_BadLabelLength_IsFormatError()
    {
        Assert.Throws<DnsFormatException>(() => DomainName.FromWire([5, (byte)'a', 0]));
        Assert.Throws<DnsFormatException>(() => DomainName.FromWire([1, (byte)'a', 0, 0]));
    }
}
