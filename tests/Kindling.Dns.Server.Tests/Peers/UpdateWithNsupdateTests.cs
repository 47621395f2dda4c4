using System.Net;
using Kindling.Dns.Client;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Peers;

/// <summary>RFC 2136 UPDATE with TSIG driven by the real <c>nsupdate -k</c>, against Kindling in-process.</summary>
public sealed class UpdateWithNsupdateTests : IAsyncLifetime
{
    private const string Secret256 = "8C2vVtxzcUpdz/KGnMf8d1qZ6hOTuV4jvmGkKcPTCBk=";
    private const string Secret512 = "XjJrU0k0Y2dTcnVMZ2dDUlB0dXZJVjRiYWZrcE9kcVZQbmVkcUpxZkJQT1ZtWXJJ";
    private readonly TempDirectory _dir = new("kindling-update");
    private DnsServer? _server;
    private IPEndPoint _endpoint = null!;

    public ValueTask InitializeAsync()
    {
        _dir.Write("example.test.zone", "$TTL 300\n@ SOA ns1 hostmaster 10 3600 600 86400 60\n NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.10\n");
        _dir.Write("k256.key", $"key \"k256\" {{ algorithm hmac-sha256; secret \"{Secret256}\"; }};\n");
        _dir.Write("k512.key", $"key \"k512\" {{ algorithm hmac-sha512; secret \"{Secret512}\"; }};\n");
        _dir.Write("wrong.key", "key \"k256\" { algorithm hmac-sha256; secret \"AAAvVtxzcUpdz/KGnMf8d1qZ6hOTuV4jvmGkKcPTCBk=\"; };\n");
        _dir.Write("unknown.key", $"key \"nobody\" {{ algorithm hmac-sha256; secret \"{Secret256}\"; }};\n");
        _dir.Write("named.conf", """
            include "k256.key";
            include "k512.key";
            options { notify no; };
            zone "example.test" { type primary; file "example.test.zone"; allow-update { key k256; key k512; }; };
            """);
        Start();
        return ValueTask.CompletedTask;
    }

    private void Start()
    {
        _endpoint ??= new IPEndPoint(IPAddress.Parse("127.0.0.4"), FreePort.TcpAndUdp("127.0.0.4"));
        _server = DnsServer.Load(new DnsServerOptions(_dir.File("named.conf")) { Listen = [_endpoint], UdpThreads = 1 });
        _server.Start();
    }

    private async Task<ProcessResult> NsupdateAsync(string keyFile, params string[] commands)
    {
        var nsupdate = Requires.Tool("nsupdate", "bind9-dnsutils");
        var script = $"server {_endpoint.Address} {_endpoint.Port}\nzone example.test\n{string.Join('\n', commands)}\nsend\n";
        return await ProcessRunner.RunAsync(nsupdate, ["-k", _dir.File(keyFile)], TimeSpan.FromSeconds(30), stdin: script);
    }

    private async Task<DnsMessage> AskAsync(string name, RecordType type) =>
        await new DnsClient(_endpoint).QueryAsync(DomainName.Parse(name), type, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Nsupdate_RightKey_AddsRecordBumpsSerialAndJournalsIt()
    {
        var result = await NsupdateAsync("k256.key", "update add new.example.test. 120 A 192.0.2.77");

        Assert.True(result.ExitCode == 0, result.ToString());
        var answer = await AskAsync("new.example.test.", RecordType.A);
        Assert.Equal([IPAddress.Parse("192.0.2.77")], answer.AnswerAddresses());
        var soa = await AskAsync("example.test.", RecordType.SOA);
        Assert.Equal(11u, ((Records.SoaRecord)soa.Answers[0].Data!).Serial);
        var journal = File.ReadAllText(_dir.File("example.test.zone.kjnl"));
        Assert.Contains("begin 10 11 ", journal);
        Assert.Contains("+ new.example.test. 120 IN A 192.0.2.77", journal);
    }

    [Fact]
    public async Task Nsupdate_Sha512Key_ReplacesAndDeletes()
    {
        Assert.Equal(0, (await NsupdateAsync("k512.key", "update delete www.example.test. A", "update add www.example.test. 60 A 192.0.2.11")).ExitCode);
        Assert.Equal([IPAddress.Parse("192.0.2.11")], (await AskAsync("www.example.test.", RecordType.A)).AnswerAddresses());

        Assert.Equal(0, (await NsupdateAsync("k512.key", "update delete www.example.test. A 192.0.2.11")).ExitCode);
        var gone = await AskAsync("www.example.test.", RecordType.A);
        Assert.Equal(ResponseCode.NXDomain, gone.ResponseCode);
    }

    [Fact]
    public async Task Nsupdate_FailedPrerequisite_ChangesNothing()
    {
        var result = await NsupdateAsync("k256.key", "prereq nxdomain www.example.test.", "update add www.example.test. 60 A 192.0.2.99");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("YXDOMAIN", result.All);
        Assert.Equal(2, (await AskAsync("www.example.test.", RecordType.A)).Answers.Count + 1);
        Assert.False(File.Exists(_dir.File("example.test.zone.kjnl")));
    }

    [Fact]
    public async Task Nsupdate_ValueDependentPrerequisite_IsACompareAndSwap()
    {
        var stale = await NsupdateAsync("k256.key", "prereq yxrrset www.example.test. A 192.0.2.99", "update delete www.example.test. A", "update add www.example.test. 60 A 192.0.2.12");
        var fresh = await NsupdateAsync("k256.key", "prereq yxrrset www.example.test. A 192.0.2.10", "update delete www.example.test. A", "update add www.example.test. 60 A 192.0.2.12");

        Assert.Contains("NXRRSET", stale.All);
        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        Assert.Equal([IPAddress.Parse("192.0.2.12")], (await AskAsync("www.example.test.", RecordType.A)).AnswerAddresses());
    }

    [Fact]
    public async Task Nsupdate_WrongSecret_IsNotAuthBadSig()
    {
        var result = await NsupdateAsync("wrong.key", "update add evil.example.test. 60 A 192.0.2.66");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("NOTAUTH", result.All);
        Assert.Contains("BADSIG", result.All);
        Assert.Equal(ResponseCode.NXDomain, (await AskAsync("evil.example.test.", RecordType.A)).ResponseCode);
    }

    [Fact]
    public async Task Nsupdate_UnknownKey_IsNotAuthBadKey()
    {
        var result = await NsupdateAsync("unknown.key", "update add evil.example.test. 60 A 192.0.2.66");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("BADKEY", result.All);
    }

    [Fact]
    public async Task Nsupdate_Unsigned_IsRefused()
    {
        var nsupdate = Requires.Tool("nsupdate", "bind9-dnsutils");
        var result = await ProcessRunner.RunAsync(nsupdate, [], TimeSpan.FromSeconds(30),
            stdin: $"server {_endpoint.Address} {_endpoint.Port}\nzone example.test\nupdate add evil.example.test. 60 A 192.0.2.66\nsend\n");

        Assert.Contains("REFUSED", result.All);
    }

    [Fact]
    public async Task Restart_ReplaysTheJournal_KeepingSerialAndRecords()
    {
        Assert.Equal(0, (await NsupdateAsync("k256.key", "update add kept.example.test. 60 TXT \"kept\"")).ExitCode);
        _server!.Dispose();

        Start();

        var soa = await AskAsync("example.test.", RecordType.SOA);
        Assert.Equal(11u, ((Records.SoaRecord)soa.Answers[0].Data!).Serial);
        Assert.Single((await AskAsync("kept.example.test.", RecordType.TXT)).Answers);
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
