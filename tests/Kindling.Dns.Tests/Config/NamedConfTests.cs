using System.Net;
using CsCheck;
using Kindling.Dns.Config;
using Kindling.Testing;

namespace Kindling.Dns.Tests.Config;

public class NamedConfTests
{
    [Fact]
    public void Load_SeedNamedConf_HasBothPrimaryZonesBesideIt()
    {
        var conf = NamedConf.Load(Path.Combine(Repository.Samples, "dns", "named.conf"));

        Assert.Equal(["tinder-node-server.com.", "41.30.172.in-addr.arpa."], conf.Zones.Select(z => z.Name.ToString()));
        Assert.All(conf.Zones, z => Assert.Equal(ZoneKind.Primary, z.Kind));
        Assert.Equal(Path.Combine(Repository.Samples, "dns", "tinder-node-server.com.zone"), conf.Zones[0].File);
        Assert.False(conf.Zones[0].AllowUpdate!.Allows(new Requester(IPAddress.Loopback)));
        Assert.Empty(conf.Ignored);
    }

    [Fact]
    public void FromText_FullConfig_ReadsOptionsKeysAclsAndZones()
    {
        var conf = NamedConf.FromText("""
            // C++ comment
            # shell comment
            /* C comment
               over lines */
            acl "secondaries" { 127.0.0.2; 10/8; };
            key "update-key" { algorithm hmac-sha256; secret "c2VjcmV0c2VjcmV0c2VjcmV0"; };
            options {
                directory "/var/named";
                listen-on port 5353 { 127.0.0.1; };
                listen-on-v6 { none; };
                allow-transfer { secondaries; key update-key; };
                also-notify { 127.0.0.2 port 5300; };
                notify explicit;
                recursion no;
            };
            logging { channel default_log { file "x"; }; };
            controls { };
            zone "example.com" IN {
                type primary;
                file "example.com.zone";
                allow-update { key "update-key"; };
                notify no;
            };
            zone "." { type hint; file "named.ca"; };
            """, "/etc/named.conf");

        Assert.Equal("/var/named", conf.Directory);
        Assert.Equal(5353, Assert.Single(conf.ListenOn).Port);
        Assert.Equal([IPAddress.Loopback], conf.ListenOn[0].Addresses);
        Assert.Empty(Assert.Single(conf.ListenOnV6).Addresses);
        Assert.Equal(NotifyMode.Explicit, conf.Notify);
        Assert.Equal(new RemoteServer(IPAddress.Parse("127.0.0.2"), 5300, null), Assert.Single(conf.AlsoNotify));
        var zone = conf.Zones.Single(z => z.Kind == ZoneKind.Primary);
        Assert.Equal("/var/named/example.com.zone", zone.File);
        Assert.Equal(NotifyMode.No, zone.Notify);
        var key = DomainName.Parse("update-key.");
        Assert.True(zone.AllowUpdate!.Allows(new Requester(IPAddress.Loopback, key)));
        Assert.False(zone.AllowUpdate.Allows(new Requester(IPAddress.Loopback)));
        Assert.True(conf.AllowTransfer.Allows(new Requester(IPAddress.Parse("10.1.2.3")), conf.Acls));
        Assert.False(conf.AllowTransfer.Allows(new Requester(IPAddress.Parse("192.0.2.1")), conf.Acls));
        Assert.Equal("hmac-sha256", conf.Keys[key].AlgorithmText);
        Assert.Contains(conf.Ignored, i => i.EndsWith("logging", StringComparison.Ordinal));
        Assert.Contains(conf.Ignored, i => i.EndsWith("options recursion", StringComparison.Ordinal));
        Assert.Contains(conf.Ignored, i => i.Contains("zone . (type not served", StringComparison.Ordinal));
    }

    [Fact]
    public void AddressMatchList_FirstMatchWins_AndNegationDenies()
    {
        var conf = NamedConf.FromText("options { allow-transfer { !127.0.0.5; 127.0.0.0/8; }; };", "/x/named.conf");

        Assert.False(conf.AllowTransfer.Allows(new Requester(IPAddress.Parse("127.0.0.5"))));
        Assert.True(conf.AllowTransfer.Allows(new Requester(IPAddress.Parse("127.0.0.6"))));
        Assert.False(conf.AllowTransfer.Allows(new Requester(IPAddress.Parse("192.0.2.1"))));
    }

    [Theory]
    [InlineData("127.0.0.2", null, false)] // BIND: the denial inside "outsiders" is no match, so "!outsiders" does not allow
    [InlineData("192.0.2.1", null, false)] // "outsiders" allows it, so "!outsiders" denies
    [InlineData("127.0.0.2", "upd.", true)]
    public void AddressMatchList_NegatedAclThatDenies_IsNoMatch(string address, string? key, bool allowed)
    {
        var conf = NamedConf.FromText("""
            key upd { algorithm hmac-sha256; secret "c2VjcmV0c2VjcmV0c2VjcmV0"; };
            acl outsiders { !127.0.0.0/8; any; };
            options { allow-update { !outsiders; key upd; }; };
            """, "/x/named.conf");

        Assert.Equal(allowed, conf.AllowUpdate.Allows(new Requester(IPAddress.Parse(address), key is null ? null : DomainName.Parse(key)), conf));
    }

    [Theory]
    [InlineData("none; any;", AclResult.Deny)]
    [InlineData("!none;", AclResult.Allow)]
    [InlineData("{ none; }; any;", AclResult.Allow)]
    [InlineData("{ !127.0.0.2; any; };", AclResult.NoMatch)]
    [InlineData("!{ !127.0.0.2; any; };", AclResult.NoMatch)]
    [InlineData("!{ 127.0.0.0/8; };", AclResult.Deny)]
    [InlineData("localhost;", AclResult.NoMatch)]
    [InlineData("localnets;", AclResult.Allow)]
    public void AddressMatchList_Evaluate_AsBindDoes(string list, AclResult expected)
    {
        var conf = NamedConf.FromText($"options {{ allow-transfer {{ {list} }}; }};", "/x/named.conf");

        Assert.Equal(expected, conf.AllowTransfer.Evaluate(new Requester(IPAddress.Parse("127.0.0.2")), conf.Acls));
    }

    [Theory]
    [InlineData("options { allow-transfer { nosuch; }; };", "ACL 'nosuch', which no acl statement declares")]
    [InlineData("acl a { b; }; acl b { a; };", "ACL loop: a -> b -> a")]
    public void AddressMatchList_UndefinedOrLoopingAcl_IsAnError(string text, string message)
    {
        var e = Assert.Throws<NamedConfException>(() => NamedConf.FromText(text, "/x/named.conf"));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("named.conf:1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_TcpClientsAndIdleTimeout_AreRead_InBindUnits()
    {
        var conf = NamedConf.FromText("options { tcp-clients 200; tcp-idle-timeout 50; };", "/x/named.conf");

        Assert.Equal(200, conf.TcpClients);
        Assert.Equal(TimeSpan.FromSeconds(5), conf.TcpIdleTimeout);
    }

    [Fact]
    public void Options_TcpIdleTimeoutOutOfRange_IsAnError()
    {
        var e = Assert.Throws<NamedConfException>(() => NamedConf.FromText("options {\n tcp-idle-timeout 0;\n};", "/x/named.conf"));

        Assert.Contains("named.conf:2", e.Message, StringComparison.Ordinal);
        Assert.Contains("tcp-idle-timeout: expected a whole number from 1 to 1200", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Include_IsExpandedRelativeToTheIncludingFile()
    {
        using var dir = new TempDirectory();
        dir.Write("keys.conf", "key k { algorithm hmac-sha512; secret \"AAAA\"; };\n");
        var path = dir.Write("named.conf", "include \"keys.conf\";\nzone z { type master; file \"z.zone\"; allow-update { key k; }; };\n");

        var conf = NamedConf.Load(path);

        Assert.Equal("hmac-sha512", conf.Keys[DomainName.Parse("k.")].AlgorithmText);
        Assert.Equal(dir.File("z.zone"), conf.Zones[0].File);
    }

    [Fact]
    public void FromText_NulInPath_IsAConfigError_FoundByFuzzing()
    {
        var e = Assert.Throws<NamedConfException>(() => NamedConf.FromText("options { directory \"/var\0/named\"; };", "/etc/named.conf"));

        Assert.Contains("is not a valid path", e.Message);
    }

    [Fact]
    public void FromText_ArbitraryText_OnlyEverThrowsConfigOrFormatErrors()
    {
        Gen.OneOf(Gen.Char['\0', '\x7f'], Gen.OneOfConst('{', '}', ';', '"', '/', '*', '#', ' ', '\n', 'z', 'o', 'n', 'e'))
            .Array[0, 120].Sample(chars =>
            {
                try
                {
                    NamedConf.FromText(new string(chars), "/fuzz/named.conf");
                }
                catch (Exception e) when (e is NamedConfException or DnsFormatException)
                {
                }
            }, iter: 20000);
    }

    [Theory]
    [InlineData("zone \"a\" { type master; file \"a\" };", 1, "missing ';' before '}'")]
    [InlineData("options {\n directory \"/x\";\n", 3, "missing '}'")]
    [InlineData("zone \"a\" { type master; };", 1, "needs a 'file'")]
    [InlineData("zone \"a\" { type master; file \"a\"; allow-update { key nokey; }; };", 1, "key nokey.")]
    [InlineData("\n\nview \"v\" { };", 3, "views are not supported")]
    [InlineData("/* never closed\n", 1, "never closed")]
    [InlineData("key k { algorithm hmac-sha999; secret \"AA==\"; };", 1, "unsupported TSIG algorithm")]
    public void FromText_Error_NamesFileAndLine(string text, int line, string what)
    {
        var e = Assert.Throws<NamedConfException>(() => NamedConf.FromText(text, "/etc/named.conf"));

        Assert.Equal(line, e.Line);
        Assert.StartsWith($"/etc/named.conf:{line}: ", e.Message);
        Assert.Contains(what, e.Message);
    }
}
