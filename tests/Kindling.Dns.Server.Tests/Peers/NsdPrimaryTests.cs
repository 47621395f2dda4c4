using System.Net;
using System.Text;
using Kindling.Dns.Client;
using Kindling.Dns.Config;
using Kindling.Dns.Server.Transfer;
using Kindling.Dns.Tsig;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Peers;

/// <summary>
/// Kindling as a secondary of a real NSD with a TSIG key, over a zone big enough for some 119 TCP messages. The NSD
/// installed (4.6) signs every message of a transfer (its AXFR_TSIG_SIGN_EVERY_NTH is 0); older NSD releases signed only
/// every 96th, which RFC 8945 §5.3.1 allows and <see cref="Transfer.SparseTsigTransferTests"/> covers. NSD runs on
/// loopback only, with no NOTIFY targets and response rate limiting off.
/// </summary>
public sealed class NsdPrimaryTests : IDisposable
{
    private const string Secret = "8C2vVtxzcUpdz/KGnMf8d1qZ6hOTuV4jvmGkKcPTCBk=";
    private const int Names = 20_000;
    private static readonly DomainName Origin = DomainName.Parse("example.test.");
    private readonly TempDirectory _dir = new("kindling-of-nsd");
    private readonly List<DnsServer> _servers = [];
    private BackgroundProcess? _nsd;

    private static TsigKey Key => new(DomainName.Parse("xfr."), "hmac-sha256", Convert.FromBase64String(Secret));

    // SOA, NS, ns1 A, then an A and a long TXT for every name: about 1.9 MB, some 119 TCP messages from NSD.
    private static string BigZone()
    {
        var zone = new StringBuilder("$TTL 300\n@ SOA ns1 hostmaster 7 3600 600 86400 60\n NS ns1\nns1 A 192.0.2.53\n");
        for (var i = 0; i < Names; i++)
        {
            zone.Append(System.Globalization.CultureInfo.InvariantCulture, $"h{i} A 10.{i / 65536}.{i / 256 % 256}.{i % 256}\n");
            zone.Append(System.Globalization.CultureInfo.InvariantCulture, $"h{i} TXT \"padding so that the transfer needs many messages, name {i}\"\n");
        }

        return zone.ToString();
    }

    private async Task<IPEndPoint> StartNsdAsync()
    {
        var nsd = Requires.Tool("nsd", "nsd");
        var at = new IPEndPoint(IPAddress.Loopback, FreePort.TcpAndUdp("127.0.0.1"));
        var dir = Directory.CreateDirectory(_dir.File("nsd")).FullName;
        File.WriteAllText(Path.Combine(dir, "example.test.zone"), BigZone());
        // No notify: or also-notify configured, so NSD sends nothing; rrl-ratelimit 0 so it answers every probe.
        File.WriteAllText(Path.Combine(dir, "nsd.conf"), $"""
            server:
                ip-address: 127.0.0.1
                port: {at.Port}
                do-ip6: no
                server-count: 1
                username: ""
                chroot: ""
                zonesdir: "{dir}"
                database: ""
                pidfile: "{dir}/nsd.pid"
                xfrdfile: "{dir}/nsd-xfrd.state"
                xfrdir: "{dir}"
                zonelistfile: "{dir}/nsd-zone.list"
                rrl-ratelimit: 0
                rrl-whitelist-ratelimit: 0
                verbosity: 1
            remote-control:
                control-enable: no
            key:
                name: xfr
                algorithm: hmac-sha256
                secret: "{Secret}"
            zone:
                name: example.test
                zonefile: "{dir}/example.test.zone"
                provide-xfr: 127.0.0.0/8 xfr
            """);
        _nsd = new BackgroundProcess(nsd, ["-d", "-c", Path.Combine(dir, "nsd.conf")], dir);
        var client = new DnsClient(at, TimeSpan.FromMilliseconds(300), attempts: 1);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !_nsd.HasExited)
        {
            try
            {
                var soa = await client.QueryAsync(Origin, RecordType.SOA, TestContext.Current.CancellationToken);
                if (soa.ResponseCode == ResponseCode.NoError && soa.Answers.Count > 0)
                {
                    return at;
                }
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                // Not listening yet (a refused UDP query is an IOException).
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"nsd did not serve example.test on {at} within 30 s (exited: {_nsd.HasExited}):\n{_nsd.Output}");
        return at;
    }

    [Fact]
    public async Task TsigAxfrOfABigZone_InManyMessages_Transfers_AndIsServed()
    {
        var nsdAt = await StartNsdAsync();

        // The fetcher alone: every record arrives and the TSIG chain over signed and unsigned messages verifies.
        var primary = new RemoteServer(nsdAt.Address, nsdAt.Port, Key.Name);
        var result = await ZoneFetcher.TransferAsync(primary, Key, Origin, null, null, TimeSpan.FromSeconds(60), NamedConf.DefaultMaxRecordsInZone, TimeProvider.System,
            TestContext.Current.CancellationToken);
        Assert.Equal(7u, result.Serial);
        Assert.Equal(3 + 2 * Names, result.Records!.Count);
        Assert.Contains(result.Records, r => r.Name == DomainName.Parse($"h{Names - 1}.example.test.") && r.Type == RecordType.TXT);

        // Kindling as a secondary of NSD serves the whole zone.
        var kindlingAt = new IPEndPoint(IPAddress.Parse("127.0.0.6"), FreePort.TcpAndUdp("127.0.0.6"));
        var dir = Directory.CreateDirectory(_dir.File("secondary")).FullName;
        File.WriteAllText(Path.Combine(dir, "named.conf"), $$"""
            key "xfr" { algorithm hmac-sha256; secret "{{Secret}}"; };
            options { notify no; };
            zone "example.test" { type secondary; primaries { {{nsdAt.Address}} port {{nsdAt.Port}} key xfr; }; file "example.test.db"; };
            """);
        var server = DnsServer.Load(new DnsServerOptions(Path.Combine(dir, "named.conf")) { Listen = [kindlingAt], UdpThreads = 1 });
        _servers.Add(server);
        server.Start();
        var client = new DnsClient(kindlingAt, TimeSpan.FromMilliseconds(500), attempts: 1);
        var last = DomainName.Parse($"h{Names - 1}.example.test.");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        DnsMessage? answer = null;
        while (DateTime.UtcNow < deadline && answer?.Answers.Count is not > 0)
        {
            try
            {
                answer = await client.QueryAsync(last, RecordType.A, TestContext.Current.CancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(answer?.Answers.Count > 0, $"the secondary did not serve {last} within 30 s; last answer {answer?.ResponseCode}\n{_nsd!.Output}");
        Assert.Equal([IPAddress.Parse("10.0.78.31")], answer!.AnswerAddresses());
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        _nsd?.Dispose();
        _dir.Dispose();
    }
}
