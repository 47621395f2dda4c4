using System.Net;
using Kindling.Dns.Records;
using Kindling.Dns.Client;
using Kindling.Dns.Server.Overlay;
using Kindling.Dns.Server.Tests.Differential;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Peers;

/// <summary>
/// Kindling as a secondary (<c>type secondary; primaries { ... }</c>): of a real BIND (AXFR at start, IXFR after NOTIFY,
/// UPDATE forwarded with its TSIG intact) and of another Kindling (the failover override <c>_failover</c> TXT sent to
/// the secondary reaches the primary and comes back; the secondary's own overlay applies on top; a restart keeps the
/// transferred version from its file and journal).
/// </summary>
public sealed class KindlingSecondaryTests : IAsyncDisposable
{
    private const string Secret = "8C2vVtxzcUpdz/KGnMf8d1qZ6hOTuV4jvmGkKcPTCBk=";
    private readonly TempDirectory _dir = new("kindling-as-secondary");
    private readonly List<DnsServer> _servers = [];
    private BindProcess? _bind;

    private static DomainName N(string name) => DomainName.Parse(name);

    private static string KeyStatement => $"key \"xfr\" {{ algorithm hmac-sha256; secret \"{Secret}\"; }};\n";

    private DnsServer StartKindling(string folder, string conf, IPEndPoint endpoint, RecordOverlay? overlay = null)
    {
        var dir = Directory.CreateDirectory(_dir.File(folder)).FullName;
        File.WriteAllText(Path.Combine(dir, "named.conf"), conf);
        var server = DnsServer.Load(new DnsServerOptions(Path.Combine(dir, "named.conf")) { Listen = [endpoint], UdpThreads = 1, Overlay = overlay });
        server.Start();
        _servers.Add(server);
        return server;
    }

    private static string SecondaryConf(IPEndPoint primary, string extra = "") => KeyStatement + $$"""
        options { notify no; };
        zone "example.test" {
            type secondary;
            primaries { {{primary.Address}} port {{primary.Port}} key xfr; };
            file "example.test.db";
            allow-update-forwarding { key xfr; };
            {{extra}}
        };
        """;

    private static async Task<DnsMessage> UntilAsync(IPEndPoint server, string name, RecordType type, Func<DnsMessage, bool> done, Func<string>? log = null)
    {
        var client = new DnsClient(server, TimeSpan.FromMilliseconds(500), attempts: 1);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        DnsMessage? answer = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                answer = await client.QueryAsync(N(name), type, TestContext.Current.CancellationToken);
                if (done(answer))
                {
                    return answer;
                }
            }
            catch (TimeoutException)
            {
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"{server} did not answer {name} {type} as expected within 15 s; last: {answer?.ResponseCode} {string.Join(" | ", answer?.Answers ?? [])}\n{log?.Invoke()}");
        return answer!;
    }

    private static uint SerialOf(DnsMessage soa) => ((SoaRecord)soa.Answers.Single(r => r.Type == RecordType.SOA).Data!).Serial;

    private static async Task<uint> SerialAtAsync(IPEndPoint server) =>
        SerialOf(await new DnsClient(server).QueryAsync(N("example.test."), RecordType.SOA, TestContext.Current.CancellationToken));

    /// <summary>An endpoint on the loopback address with a port free for TCP and UDP.</summary>
    private static IPEndPoint FreeEndPoint(string address) => new(IPAddress.Parse(address), FreePort.TcpAndUdp(address));

    /// <summary>The zone file of the Kindling primary (folder <c>primary</c>).</summary>
    private void WritePrimaryZone(string text) =>
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(_dir.File("primary")).FullName, "example.test.zone"), text);

    private async Task<ProcessResult> NsupdateAsync(IPEndPoint server, params string[] commands)
    {
        var nsupdate = Requires.Tool("nsupdate", "bind9-dnsutils");
        _dir.Write("xfr.key", KeyStatement);
        var script = $"server {server.Address} {server.Port}\nzone example.test\n{string.Join('\n', commands)}\nsend\n";
        return await ProcessRunner.RunAsync(nsupdate, ["-k", _dir.File("xfr.key")], TimeSpan.FromSeconds(30), stdin: script);
    }

    [Fact]
    public async Task OfBind_TransfersTheZone_FollowsAnUpdateByNotifyAndIxfr_AndForwardsUpdatesWithTsig()
    {
        var bindAt = new IPEndPoint(IPAddress.Loopback, FreePort.TcpAndUdp("127.0.0.1"));
        var kindlingAt = FreeEndPoint("127.0.0.6");
        var bindDir = Directory.CreateDirectory(_dir.File("bind")).FullName;
        File.WriteAllText(Path.Combine(bindDir, "example.test.zone"), "$TTL 300\n@ SOA ns1 hostmaster 100 3600 600 86400 60\n NS ns1\nns1 A 192.0.2.53\nwww A 172.30.41.193\n");
        File.WriteAllText(Path.Combine(bindDir, "named.conf"), KeyStatement + BindProcess.TestOptions(bindDir, bindAt) + $$"""
            zone "example.test" {
                type primary;
                file "example.test.zone";
                allow-transfer { key xfr; };
                allow-update { key xfr; };
                max-ixfr-ratio unlimited; // a tiny zone: BIND would send its increments in AXFR form otherwise
                notify explicit;
                also-notify { {{kindlingAt.Address}} port {{kindlingAt.Port}}; };
            };
            """);
        _bind = await BindProcess.StartAsync(Path.Combine(bindDir, "named.conf"), bindAt, "example.test.");
        StartKindling("secondary", SecondaryConf(bindAt), kindlingAt);

        var www = await UntilAsync(kindlingAt, "www.example.test.", RecordType.A, m => m.Answers.Count > 0, () => _bind.Log);
        Assert.Equal([IPAddress.Parse("172.30.41.193")], www.AnswerAddresses());
        Assert.True(www.AuthoritativeAnswer);
        Assert.Equal(100u, await SerialAtAsync(kindlingAt));
        Assert.Contains("www.example.test.", File.ReadAllText(_dir.File("secondary/example.test.db")));

        // An UPDATE at BIND: BIND NOTIFYs, Kindling asks IXFR from serial 100 and journals the increment.
        var atBind = await NsupdateAsync(bindAt, "update delete www.example.test. A", "update add www.example.test. 300 A 172.30.41.194");
        Assert.True(atBind.ExitCode == 0, atBind.ToString());
        await UntilAsync(kindlingAt, "www.example.test.", RecordType.A, m => m.AnswerAddresses().SequenceEqual([IPAddress.Parse("172.30.41.194")]), () => _bind.Log);
        var journal = File.ReadAllText(_dir.File("secondary/example.test.db.kjnl"));
        Assert.Contains("begin 100 101", journal);
        Assert.Contains("- www.example.test. 300 IN A 172.30.41.193", journal);
        Assert.Contains("+ www.example.test. 300 IN A 172.30.41.194", journal);

        // An UPDATE sent to Kindling is forwarded to BIND unchanged (BIND checks the TSIG and allow-update) and comes back.
        var forwarded = await NsupdateAsync(kindlingAt, "update add forwarded.example.test. 60 A 192.0.2.99");
        Assert.True(forwarded.ExitCode == 0, forwarded.ToString());
        var atPrimary = await new DnsClient(bindAt).QueryAsync(N("forwarded.example.test."), RecordType.A, TestContext.Current.CancellationToken);
        Assert.Equal([IPAddress.Parse("192.0.2.99")], atPrimary.AnswerAddresses());
        await UntilAsync(kindlingAt, "forwarded.example.test.", RecordType.A, m => m.Answers.Count > 0, () => _bind.Log);
    }

    [Fact]
    public async Task UpdateToASecondary_WithoutForwardingAllowed_IsRefused()
    {
        var (primaryAt, secondaryAt) = (FreeEndPoint("127.0.0.6"), FreeEndPoint("127.0.0.7"));
        WritePrimaryZone("$TTL 300\n@ SOA ns1 hostmaster 7 3600 600 86400 60\n NS ns1\nns1 A 192.0.2.53\n");
        StartKindling("primary", KeyStatement + """
            options { notify no; };
            zone "example.test" { type primary; file "example.test.zone"; allow-transfer { key xfr; }; allow-update { key xfr; }; };
            """, primaryAt);
        StartKindling("secondary", KeyStatement + $$"""
            options { notify no; };
            zone "example.test" { type secondary; primaries { {{primaryAt.Address}} port {{primaryAt.Port}} key xfr; }; file "example.test.db"; };
            """, secondaryAt);
        await UntilAsync(secondaryAt, "example.test.", RecordType.SOA, m => m.Answers.Count > 0);

        var result = await NsupdateAsync(secondaryAt, "update add x.example.test. 60 A 192.0.2.1");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("REFUSED", result.ToString());
        var atPrimary = await new DnsClient(primaryAt).QueryAsync(N("x.example.test."), RecordType.A, TestContext.Current.CancellationToken);
        Assert.Empty(atPrimary.Answers);
    }

    [Fact]
    public async Task OfKindling_OverrideSentToTheSecondary_HoldsOnBoth_OverlayStaysPerInstance_AndSurvivesARestart()
    {
        var (primaryAt, secondaryAt) = (FreeEndPoint("127.0.0.6"), FreeEndPoint("127.0.0.7"));
        WritePrimaryZone("$TTL 300\n@ SOA ns1 hostmaster 7 3600 600 86400 60\n NS ns1\nns1 A 192.0.2.53\nwww A 172.30.41.193\n");
        var primaryOverlay = new RecordOverlay();
        var secondaryOverlay = new RecordOverlay();
        StartKindling("primary", KeyStatement + $$"""
            options { notify explicit; };
            zone "example.test" {
                type primary; file "example.test.zone";
                allow-transfer { key xfr; }; allow-update { key xfr; };
                also-notify { {{secondaryAt.Address}} port {{secondaryAt.Port}}; };
            };
            """, primaryAt, primaryOverlay);
        var secondary = StartKindling("secondary", SecondaryConf(primaryAt), secondaryAt, secondaryOverlay);
        await UntilAsync(secondaryAt, "www.example.test.", RecordType.A, m => m.Answers.Count > 0);

        // Each instance's overlay is its own: the secondary answers its own decision over the transferred data.
        secondaryOverlay.Set(N("www.example.test."), 5, [IPAddress.Parse("172.30.41.194")]);
        var own = await UntilAsync(secondaryAt, "www.example.test.", RecordType.A, m => m.AnswerAddresses().Contains(IPAddress.Parse("172.30.41.194")));
        Assert.Equal(5u, own.Answers[0].Ttl);
        Assert.Equal(7u, await SerialAtAsync(secondaryAt));

        // kindling dns switch's UPDATE, sent to the secondary: forwarded, committed at the primary, transferred back.
        var committed = new TaskCompletionSource<Kindling.Dns.Server.Zones.Zone>(TaskCreationOptions.RunContinuationsAsynchronously);
        secondary.Store.Committed += zone => { if (zone.FindNode(N("_failover.www.example.test.")) is not null) { committed.TrySetResult(zone); } };
        var update = await NsupdateAsync(secondaryAt, "update add _failover.www.example.test. 0 TXT \"backup\"");
        Assert.True(update.ExitCode == 0, update.ToString());
        var atPrimary = await new DnsClient(primaryAt).QueryAsync(N("_failover.www.example.test."), RecordType.TXT, TestContext.Current.CancellationToken);
        Assert.Single(atPrimary.Answers);
        await UntilAsync(secondaryAt, "_failover.www.example.test.", RecordType.TXT, m => m.Answers.Count == 1);
        await committed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var serial = await SerialAtAsync(primaryAt);
        Assert.Equal(serial, await SerialAtAsync(secondaryAt));

        // A restart of the secondary while the primary is away: the file and journal give back the same version and overlay.
        _servers.Remove(secondary);
        secondary.Dispose();
        var primary = _servers.Single();
        _servers.Remove(primary);
        primary.Dispose();
        var restarted = DnsServer.Load(new DnsServerOptions(_dir.File("secondary/named.conf")) { Listen = [secondaryAt], UdpThreads = 1, Overlay = new RecordOverlay() });
        restarted.Start();
        _servers.Add(restarted);
        var client = new DnsClient(secondaryAt);
        Assert.Equal(serial, SerialOf(await client.QueryAsync(N("example.test."), RecordType.SOA, TestContext.Current.CancellationToken)));
        Assert.Single((await client.QueryAsync(N("_failover.www.example.test."), RecordType.TXT, TestContext.Current.CancellationToken)).Answers);
        Assert.Equal([IPAddress.Parse("172.30.41.194")], (await client.QueryAsync(N("www.example.test."), RecordType.A, TestContext.Current.CancellationToken)).AnswerAddresses());
    }

    [Fact]
    public async Task ZoneExpires_WhenNoPrimaryAnswersForTheSoaExpire()
    {
        var (primaryAt, secondaryAt) = (FreeEndPoint("127.0.0.6"), FreeEndPoint("127.0.0.7"));
        // refresh 1 s, retry 1 s, expire 3 s
        WritePrimaryZone("$TTL 300\n@ SOA ns1 hostmaster 7 1 1 3 60\n NS ns1\nns1 A 192.0.2.53\n");
        var primary = StartKindling("primary", KeyStatement + """
            options { notify no; };
            zone "example.test" { type primary; file "example.test.zone"; allow-transfer { key xfr; }; };
            """, primaryAt);
        StartKindling("secondary", SecondaryConf(primaryAt), secondaryAt);
        await UntilAsync(secondaryAt, "example.test.", RecordType.SOA, m => m.ResponseCode == ResponseCode.NoError && m.Answers.Count > 0);

        _servers.Remove(primary);
        primary.Dispose();

        var expired = await UntilAsync(secondaryAt, "example.test.", RecordType.SOA, m => m.ResponseCode != ResponseCode.NoError);
        Assert.Equal(ResponseCode.Refused, expired.ResponseCode);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        if (_bind is not null)
        {
            await _bind.DisposeAsync();
        }

        _dir.Dispose();
    }
}
