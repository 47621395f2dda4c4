using System.Net;
using Kindling.Dns.Client;
using Kindling.Dns.Records;
using Kindling.Dns.Server.Overlay;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Overlay;

/// <summary>The failover overlay: answers, serial bumps, journal, and a restart that keeps the active side.</summary>
public sealed class RecordOverlayTests : IDisposable
{
    private static readonly DomainName Www = DomainName.Parse("www.tinder-node-server.com.");
    private readonly TempDirectory _dir = new("kindling-overlay");
    private readonly IPEndPoint _endpoint = new(IPAddress.Parse("127.0.0.8"), FreePort.TcpAndUdp("127.0.0.8"));
    private DnsServer? _server;

    public RecordOverlayTests()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Samples, "dns")))
        {
            File.Copy(file, _dir.File(Path.GetFileName(file)));
        }
    }

    private RecordOverlay Start(RecordOverlay? overlay = null)
    {
        overlay ??= new RecordOverlay();
        _server?.Dispose();
        _server = DnsServer.Load(new DnsServerOptions(_dir.File("named.conf")) { Listen = [_endpoint], UdpThreads = 1, Overlay = overlay });
        _server.Start();
        return overlay;
    }

    private async Task<DnsMessage> AskAsync(DomainName name, RecordType type) =>
        await new DnsClient(_endpoint).QueryAsync(name, type, TestContext.Current.CancellationToken);

    private async Task<uint> SerialAsync() =>
        ((SoaRecord)(await AskAsync(DomainName.Parse("tinder-node-server.com."), RecordType.SOA)).Answers[0].Data!).Serial;

    [Fact]
    public async Task Set_AnswersTheOverlayAndBumpsTheSerial()
    {
        var overlay = Start();
        Assert.Equal([IPAddress.Parse("172.30.41.193")], (await AskAsync(Www, RecordType.A)).AnswerAddresses());

        overlay.Set(Www, 5, [IPAddress.Parse("172.30.41.194")]);

        var answer = await AskAsync(Www, RecordType.A);
        Assert.Equal([IPAddress.Parse("172.30.41.194")], answer.AnswerAddresses());
        Assert.Equal(5u, answer.Answers[0].Ttl);
        Assert.Equal(1u, await SerialAsync());
        Assert.Equal(ResponseCode.NoError, (await AskAsync(Www, RecordType.AAAA)).ResponseCode);
        Assert.Contains("= www.tinder-node-server.com. 5 IN A 172.30.41.194", File.ReadAllText(_dir.File("tinder-node-server.com.zone.kjnl")));
    }

    [Fact]
    public async Task Set_SameEntryTwice_DoesNotBumpAgain()
    {
        var overlay = Start();
        overlay.Set(Www, 5, [IPAddress.Parse("172.30.41.194")]);
        overlay.Set(Www, 5, [IPAddress.Parse("172.30.41.194")]);

        Assert.Equal(1u, await SerialAsync());
    }

    [Fact]
    public async Task Restart_KeepsTheActiveSideAndSerial()
    {
        var overlay = Start();
        overlay.Set(Www, 5, [IPAddress.Parse("172.30.41.194")]);

        var restored = Start(new RecordOverlay());

        Assert.Equal([IPAddress.Parse("172.30.41.194")], (await AskAsync(Www, RecordType.A)).AnswerAddresses());
        Assert.Equal(1u, await SerialAsync());
        Assert.Equal([IPAddress.Parse("172.30.41.194")], restored.Current.Entries[Www].Addresses);

        restored.Remove(Www);

        Assert.Equal([IPAddress.Parse("172.30.41.193")], (await AskAsync(Www, RecordType.A)).AnswerAddresses());
        Assert.Equal(2u, await SerialAsync());
    }

    [Fact]
    public async Task Set_NameNotInTheZoneFile_IsAnsweredNotNxdomain()
    {
        var overlay = Start();
        var name = DomainName.Parse("registry.tinder-node-server.com.");

        overlay.Set(name, 5, [IPAddress.Parse("172.30.41.194"), IPAddress.Parse("fd00::194")]);

        Assert.Equal([IPAddress.Parse("172.30.41.194")], (await AskAsync(name, RecordType.A)).AnswerAddresses());
        Assert.Equal([IPAddress.Parse("fd00::194")], (await AskAsync(name, RecordType.AAAA)).AnswerAddresses());
    }

    public void Dispose()
    {
        _server?.Dispose();
        _dir.Dispose();
    }
}
