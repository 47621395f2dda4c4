using System.Net;
using Kindling.Dns.Client;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Peers;

/// <summary>
/// <c>max-records-in-zone</c> on dynamic UPDATE, driven by the real <c>nsupdate</c>: an update whose resulting zone would
/// hold more records than the cap is REFUSED, logged, and changes nothing (as BIND); one whose result fits is applied.
/// </summary>
public sealed class UpdateCapWithNsupdateTests : IDisposable
{
    private static readonly DomainName Origin = DomainName.Parse("example.test.");
    private readonly TempDirectory _dir = new("kindling-update-cap");
    private readonly LogLines _log = new();
    private readonly IPEndPoint _endpoint = new(IPAddress.Parse("127.0.0.4"), FreePort.TcpAndUdp("127.0.0.4"));
    private readonly DnsServer _server;

    public UpdateCapWithNsupdateTests()
    {
        // 4 records (SOA, NS, 2 A); the zone's cap is 6 (the options' 1000 would admit anything here).
        _dir.Write("example.test.zone", "$TTL 300\n@ SOA ns1 hostmaster 10 3600 600 86400 60\n NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.10\n");
        _dir.Write("named.conf", """
            options { notify no; max-records-in-zone 1000; };
            zone "example.test" { type primary; file "example.test.zone"; allow-update { 127.0.0.0/8; }; max-records-in-zone 6; };
            """);
        _server = DnsServer.Load(new DnsServerOptions(_dir.File("named.conf")) { Listen = [_endpoint], UdpThreads = 1, LoggerFactory = _log });
        _server.Start();
    }

    private async Task<ProcessResult> NsupdateAsync(params string[] commands)
    {
        var nsupdate = Requires.Tool("nsupdate", "bind9-dnsutils");
        var script = $"server {_endpoint.Address} {_endpoint.Port}\nzone example.test\n{string.Join('\n', commands)}\nsend\n";
        return await ProcessRunner.RunAsync(nsupdate, [], TimeSpan.FromSeconds(30), stdin: script);
    }

    private async Task<DnsMessage> AskAsync(string name, RecordType type) =>
        await new DnsClient(_endpoint).QueryAsync(DomainName.Parse(name), type, TestContext.Current.CancellationToken);

    [Fact]
    public async Task UpdateOverTheCap_IsRefused_Logged_AndChangesNothing_WhileOneWhoseResultFits_Applies()
    {
        // 4 + 2 = 6 records: at the cap, applied.
        var fits = await NsupdateAsync("update add a.example.test. 60 A 192.0.2.1", "update add b.example.test. 60 A 192.0.2.2");
        Assert.True(fits.ExitCode == 0, fits.ToString());
        Assert.Equal(11u, _server.Store.Zones.Get(Origin)!.Serial);

        // 6 - 1 + 2 = 7: over; neither the deletion nor the additions happen.
        var over = await NsupdateAsync("update delete a.example.test. A", "update add c.example.test. 60 A 192.0.2.3", "update add d.example.test. 60 A 192.0.2.4");
        Assert.NotEqual(0, over.ExitCode);
        Assert.Contains("REFUSED", over.All);
        var line = await _log.WaitForAsync("over its max-records-in-zone 6");
        Assert.Contains("UPDATE example.test.", line);
        Assert.Contains("would hold 7 records", line);
        Assert.Equal(11u, _server.Store.Zones.Get(Origin)!.Serial);
        Assert.Equal([IPAddress.Parse("192.0.2.1")], (await AskAsync("a.example.test.", RecordType.A)).AnswerAddresses());
        Assert.Equal(ResponseCode.NXDomain, (await AskAsync("c.example.test.", RecordType.A)).ResponseCode);
        Assert.DoesNotContain("c.example.test.", File.ReadAllText(_dir.File("example.test.zone.kjnl")));

        // Replacing one record with another keeps 6: the cap counts the result, not the additions.
        var swap = await NsupdateAsync("update delete a.example.test. A", "update add c.example.test. 60 A 192.0.2.3");
        Assert.True(swap.ExitCode == 0, swap.ToString());
        Assert.Equal([IPAddress.Parse("192.0.2.3")], (await AskAsync("c.example.test.", RecordType.A)).AnswerAddresses());
        Assert.Equal(12u, _server.Store.Zones.Get(Origin)!.Serial);
    }

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }
}
