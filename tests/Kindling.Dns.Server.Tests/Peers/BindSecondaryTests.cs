using System.Net;
using Kindling.Dns.Client;
using Kindling.Dns.Server.Overlay;
using Kindling.Dns.Server.Tests.Differential;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Peers;

/// <summary>
/// A real BIND configured as secondary of Kindling on loopback: it transfers the zone (AXFR per allow-transfer), and
/// follows every change (UPDATE, overlay switch) through Kindling's NOTIFY to also-notify.
/// </summary>
public sealed class BindSecondaryTests : IAsyncLifetime
{
    private const string Secret = "8C2vVtxzcUpdz/KGnMf8d1qZ6hOTuV4jvmGkKcPTCBk=";
    private readonly TempDirectory _dir = new("kindling-secondary");
    private readonly RecordOverlay _overlay = new();
    private DnsServer? _kindling;
    private BindProcess? _bind;
    private IPEndPoint _primary = null!;
    private IPEndPoint _secondary = null!;

    public async ValueTask InitializeAsync()
    {
        _primary = new IPEndPoint(IPAddress.Parse("127.0.0.5"), FreePort.TcpAndUdp("127.0.0.5"));
        // named listens only on interface addresses, so the secondary is on 127.0.0.1 (Kindling binds any 127/8 address).
        _secondary = new IPEndPoint(IPAddress.Loopback, FreePort.TcpAndUdp("127.0.0.1"));
        var primaryDir = Directory.CreateDirectory(_dir.File("primary")).FullName;
        var secondaryDir = Directory.CreateDirectory(_dir.File("secondary")).FullName;
        File.WriteAllText(Path.Combine(primaryDir, "example.test.zone"),
            "$TTL 300\n@ SOA ns1 hostmaster 100 3600 600 86400 60\n NS ns1\nns1 A 192.0.2.53\nwww A 172.30.41.193\n");
        File.WriteAllText(Path.Combine(primaryDir, "named.conf"), $$"""
            key "xfr" { algorithm hmac-sha256; secret "{{Secret}}"; };
            options { notify explicit; };
            zone "example.test" {
                type primary;
                file "example.test.zone";
                allow-transfer { 127.0.0.1; key xfr; };
                allow-update { key xfr; };
                also-notify { {{_secondary.Address}} port {{_secondary.Port}}; };
            };
            """);
        File.WriteAllText(Path.Combine(secondaryDir, "named.conf"),
            BindProcess.TestOptions(secondaryDir, _secondary) + $$"""
            zone "example.test" { type secondary; primaries { {{_primary.Address}} port {{_primary.Port}}; }; file "example.test.db"; };
            """);
        _kindling = DnsServer.Load(new DnsServerOptions(Path.Combine(primaryDir, "named.conf")) { Listen = [_primary], UdpThreads = 1, Overlay = _overlay });
        _kindling.Start();
        _bind = await BindProcess.StartAsync(Path.Combine(secondaryDir, "named.conf"), _secondary, "example.test.");
    }

    private async Task<DnsMessage> AskSecondaryUntilAsync(string name, RecordType type, Func<DnsMessage, bool> done)
    {
        var client = new DnsClient(_secondary, TimeSpan.FromSeconds(1));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        DnsMessage answer;
        do
        {
            answer = await client.QueryAsync(DomainName.Parse(name), type, TestContext.Current.CancellationToken);
            if (done(answer))
            {
                return answer;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"the secondary did not follow within 15 s; last answer:\n{string.Join('\n', answer.Answers)}\nBIND log:\n{_bind!.Log}");
        return answer;
    }

    [Fact]
    public async Task Secondary_TransfersTheZone()
    {
        var answer = await AskSecondaryUntilAsync("www.example.test.", RecordType.A, m => m.Answers.Count > 0);

        Assert.Equal([IPAddress.Parse("172.30.41.193")], answer.AnswerAddresses());
        Assert.True(answer.AuthoritativeAnswer);
    }

    [Fact]
    public async Task Secondary_FollowsAnOverlaySwitch_ThroughNotify()
    {
        await AskSecondaryUntilAsync("www.example.test.", RecordType.A, m => m.Answers.Count > 0);

        _overlay.Set(DomainName.Parse("www.example.test."), 5, [IPAddress.Parse("172.30.41.194")]);

        var answer = await AskSecondaryUntilAsync("www.example.test.", RecordType.A, m => m.AnswerAddresses().Contains(IPAddress.Parse("172.30.41.194")));
        Assert.Equal(5u, answer.Answers[0].Ttl);
        var soa = await new DnsClient(_secondary).QueryAsync(DomainName.Parse("example.test."), RecordType.SOA, TestContext.Current.CancellationToken);
        Assert.Equal(101u, ((Records.SoaRecord)soa.Answers[0].Data!).Serial);

        _overlay.Remove(DomainName.Parse("www.example.test."));
        await AskSecondaryUntilAsync("www.example.test.", RecordType.A, m => m.AnswerAddresses().Contains(IPAddress.Parse("172.30.41.193")));
    }

    [Fact]
    public async Task Secondary_FollowsAnUpdate_ThroughNotify()
    {
        await AskSecondaryUntilAsync("www.example.test.", RecordType.A, m => m.Answers.Count > 0);
        _dir.Write("xfr.key", $"key \"xfr\" {{ algorithm hmac-sha256; secret \"{Secret}\"; }};\n");
        var nsupdate = Requires.Tool("nsupdate", "bind9-dnsutils");

        var result = await ProcessRunner.RunAsync(nsupdate, ["-k", _dir.File("xfr.key")], TimeSpan.FromSeconds(30),
            stdin: $"server {_primary.Address} {_primary.Port}\nzone example.test\nupdate add added.example.test. 60 A 192.0.2.123\nsend\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        await AskSecondaryUntilAsync("added.example.test.", RecordType.A, m => m.Answers.Count > 0);
    }

    [Fact]
    public async Task Axfr_FromAnAddressNotAllowed_IsRefused_ButAllowedWithTheKey()
    {
        var dig = Requires.Tool("dig", "bind9-dnsutils");
        string[] common = ["@" + _primary.Address, "-p", _primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-b", "127.0.0.7", "example.test", "AXFR"];

        var refused = await ProcessRunner.RunAsync(dig, common, TimeSpan.FromSeconds(20));
        var signed = await ProcessRunner.RunAsync(dig, [.. common, "-y", $"hmac-sha256:xfr:{Secret}"], TimeSpan.FromSeconds(20));

        Assert.Contains("Transfer failed", refused.StdOut);
        Assert.Matches(@"www\.example\.test\.\s+300\s+IN\s+A\s+172\.30\.41\.193", signed.StdOut);
        Assert.DoesNotContain("failed", signed.StdOut);
        Assert.Equal(2, signed.StdOut.Split('\n').Count(l => l.Contains("\tSOA\t", StringComparison.Ordinal) || l.Contains(" SOA ", StringComparison.Ordinal)));
    }

    public async ValueTask DisposeAsync()
    {
        _kindling?.Dispose();
        if (_bind is not null)
        {
            await _bind.DisposeAsync();
        }

        _dir.Dispose();
    }
}
