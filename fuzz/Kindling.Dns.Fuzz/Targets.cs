using System.Text;
using Kindling.Dns.Config;
using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Zones;

namespace Kindling.Dns.Fuzz;

/// <summary>
/// One fuzz target: feeds arbitrary octets to a parser. Returning normally or throwing the parser's documented format
/// error is correct; anything else (another exception, a hang, a crash) is a bug to keep as a regression input.
/// </summary>
internal sealed record Target(string Name, Action<byte[]> Run, Func<Exception, bool> Expected, IReadOnlyList<byte[]> Seeds);

internal static class Targets
{
    private static readonly DomainName Origin = DomainName.Parse("example.test.");

    public static IReadOnlyList<Target> All { get; } =
    [
        new("message", bytes => _ = DnsMessage.Parse(bytes), e => e is DnsFormatException, MessageSeeds()),
        new("zone", bytes =>
        {
            using var reader = new ZoneFileReader(new StringReader(Encoding.Latin1.GetString(bytes)), "fuzz.zone", Origin);
            var builder = new ZoneBuilder(Origin);
            while (reader.Next() is { } entry)
            {
                builder.Add(entry.Record);
            }

            builder.Build("fuzz.zone");
        }, e => e is DnsFormatException, [Encoding.Latin1.GetBytes(SampleZone)]),
        new("namedconf", bytes => _ = NamedConf.FromText(Encoding.UTF8.GetString(bytes), "/fuzz/named.conf"),
            e => e is NamedConfException or DnsFormatException, [Encoding.UTF8.GetBytes(SampleConf)]),
        new("query", QueryPath(), _ => false, MessageSeeds()),
    ];

    private const string SampleZone = """
        $TTL 1D
        @ IN SOA ns.example.test. host.example.test. ( 1 1D 1H 1W 3H )
          NS ns
        ns A 192.0.2.1
        www 300 IN A 192.0.2.2
        *.w TXT "a\"b" "c\065"
        alias CNAME www
        sub NS ns.sub
        ns.sub AAAA 2001:db8::1
        x TYPE65280 \# 2 abcd
        """;

    private const string SampleConf = """
        options { directory "/var/named"; listen-on port 53 { 127.0.0.1; any; }; allow-transfer { !10/8; key k; }; notify explicit; };
        key "k" { algorithm hmac-sha256; secret "AAAA"; };
        acl a { 127.0.0.0/8; { localhost; }; };
        zone "example.test" IN { type master; file "z"; allow-update { key k; }; also-notify { 127.0.0.2 port 53; }; };
        """;

    private static List<byte[]> MessageSeeds()
    {
        var query = DnsMessage.CreateQuery(DomainName.Parse("www.example.test."), RecordType.A, 1);
        var response = DnsMessage.Parse(query.ToArray());
        response.IsResponse = true;
        response.Answers.Add(new ResourceRecord(DomainName.Parse("www.example.test."), 60, new Records.ARecord(System.Net.IPAddress.Loopback)));
        response.Answers.Add(new ResourceRecord(DomainName.Parse("www.example.test."), 60, new Records.MxRecord(1, DomainName.Parse("mx.example.test."))));
        return [query.ToArray(), response.ToArray(), DnsMessage.CreateQuery(DomainName.Parse("a.w.example.test."), RecordType.TXT, 2, false, 0).ToArray()];
    }

    // The whole hot path on one zone: must never throw for any packet (the listener would log and drop it).
    private static Action<byte[]> QueryPath()
    {
        var builder = new ZoneBuilder(Origin);
        foreach (var entry in new ZoneFileReader(new StringReader(SampleZone), "seed.zone", Origin).ReadAll())
        {
            builder.Add(entry.Record);
        }

        var answerer = new QueryAnswerer(new ZoneTable([builder.Build("seed.zone")]));
        var response = new byte[65535];
        return bytes =>
        {
            answerer.Answer(bytes, response, tcp: false, out _);
            answerer.Answer(bytes, response, tcp: true, out _);
        };
    }
}
