using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Zones;

namespace Kindling.Dns.Bench;

/// <summary>
/// The zones of bench/dns/run.sh: the seed's forward zone plus 10,000 <c>hostN</c> A names, and the seed's reverse
/// zone; and one query of each kind of its query mix.
/// </summary>
internal static class BenchZone
{
    public static readonly string[] Kinds = ["A", "NXDOMAIN", "SOA", "NS", "PTR"];

    public static ZoneTable Load()
    {
        var root = FindRoot();
        var work = Directory.CreateTempSubdirectory("kindling-dnsbench-");
        try
        {
            var forward = Path.Combine(work.FullName, "tinder-node-server.com.zone");
            File.Copy(Path.Combine(root, "samples/dns/tinder-node-server.com.zone"), forward);
            using (var extra = File.AppendText(forward))
            {
                for (var i = 0; i < 10_000; i++)
                {
                    extra.WriteLine($"host{i} IN A 172.30.{42 + (i / 250)}.{1 + (i % 250)}");
                }
            }

            var (zone, _) = ZoneBuilder.Load(forward, DomainName.Parse("tinder-node-server.com."));
            var (reverse, _) = ZoneBuilder.Load(Path.Combine(root, "samples/dns/tinder-node-server.com.local"), DomainName.Parse("41.30.172.in-addr.arpa."));
            return new ZoneTable([zone, reverse]);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>A query as dnsperf sends it by default (RD clear, no EDNS), the name in mixed case as 0x20 clients do.</summary>
    public static byte[] Query(string kind, bool edns = false)
    {
        var (name, type) = kind switch
        {
            "A" => ("HoSt4242.tinder-node-server.com.", RecordType.A),
            "NXDOMAIN" => ("missing42.tinder-node-server.com.", RecordType.A),
            "SOA" => ("tinder-node-server.com.", RecordType.SOA),
            "NS" => ("tinder-node-server.com.", RecordType.NS),
            "PTR" => ("201.41.30.172.in-addr.arpa.", RecordType.PTR),
            _ => throw new ArgumentException($"unknown query kind '{kind}': use one of {string.Join(", ", Kinds)}", nameof(kind)),
        };
        return DnsMessage.CreateQuery(DomainName.Parse(name), type, 0x1234, recursionDesired: false, udpPayloadSize: edns ? (ushort)1232 : (ushort)0).ToArray();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kindling.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"bench: the Kindling checkout (Kindling.slnx) is not above {AppContext.BaseDirectory}; run from the repository");
    }
}
