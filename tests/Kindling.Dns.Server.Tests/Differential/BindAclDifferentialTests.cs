using System.Net;
using Kindling.Dns.Client;
using Kindling.Dns.Records;
using Kindling.Dns.Tsig;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Differential;

/// <summary>
/// BIND's address-match-list semantics, compared with a real BIND on the same named.conf (issue 13, item 2): one zone
/// per list in <c>allow-transfer</c>, an AXFR from each of several loopback sources, unsigned and TSIG-signed, to both
/// servers; the rcodes must agree. The headline case, <c>allow-update { !outsiders; key upd; }</c> with
/// <c>acl outsiders { !127.0.0.0/8; any; }</c>, is also tried with an unsigned UPDATE from 127.0.0.2.
/// </summary>
public sealed class BindAclDifferentialTests(BindAclDifferentialTests.Servers servers) : IClassFixture<BindAclDifferentialTests.Servers>
{
    private const string Secret = "a2luZGxpbmctYWNsLWRpZmZlcmVudGlhbC1rZXktMzI=";

    /// <summary>The lists tried, each in allow-transfer of its own zone acl{index}.test.</summary>
    public static readonly string[] Lists =
    [
        "!outsiders; key upd;",
        "outsiders;",
        "{ !127.0.0.2; any; }; any;",
        "!{ !127.0.0.2; any; }; any;",
        "none; any;",
        "!none;",
        "{ none; }; any;",
        "!127.0.0.2; 127.0.0.0/8;",
        "localhost;",
        "localnets;",
        "!key upd; any;",
        "{ key upd; 127.0.0.3; };",
        "!{ 127.0.0.2; key upd; }; any;",
        "!outer; any;",
        "{ !127.0.0.2; }; 127.0.0.2;",
        "!localhost; any;",
        "!{ !key upd; }; any;",
        "key upd; !127.0.0.2; any;",
        "!{ 127.0.0.0/8; !127.0.0.3; }; 127.0.0.3;",
        "outer; 127.0.0.2;",
    ];

    private static readonly (string Source, bool Signed)[] Requesters =
        [("127.0.0.1", false), ("127.0.0.2", false), ("127.0.0.3", false), ("127.0.0.2", true), ("127.0.0.3", true)];

    private static readonly TsigKey Key = TsigKey.FromBase64("upd", "hmac-sha256", Secret);

    public static TheoryData<int> ListIndexes => new(Enumerable.Range(0, Lists.Length));

    [Theory]
    [MemberData(nameof(ListIndexes))]
    public async Task AllowTransfer_SameVerdictsAsBind(int index)
    {
        var zone = DomainName.Parse($"acl{index}.test.");
        var rows = new List<string>();
        var mismatches = 0;
        foreach (var (source, signed) in Requesters)
        {
            var wire = Axfr(zone, signed);
            var bind = Verdict(await SourceBound.ExchangeAsync(IPAddress.Parse(source), servers.BindEndPoint, wire, tcp: true));
            var kindling = Verdict(await SourceBound.ExchangeAsync(IPAddress.Parse(source), servers.KindlingEndPoint, wire, tcp: true));
            mismatches += bind == kindling ? 0 : 1;
            rows.Add($"{source}{(signed ? " key upd" : "")}: BIND {bind}, Kindling {kindling}");
        }

        Assert.True(mismatches == 0, $"allow-transfer {{ {Lists[index]} }}\n{string.Join('\n', rows)}");
    }

    [Fact]
    public async Task DoubleNegatedAcl_UnsignedUpdateFrom127002_RefusedByBoth_AndNotApplied()
    {
        var wire = Update(DomainName.Parse("acl0.test."), "intruder.acl0.test.", signed: false);

        var bind = await SourceBound.ExchangeAsync(IPAddress.Parse("127.0.0.2"), servers.BindEndPoint, wire, tcp: false);
        var kindling = await SourceBound.ExchangeAsync(IPAddress.Parse("127.0.0.2"), servers.KindlingEndPoint, wire, tcp: false);
        var after = await new DnsClient(servers.KindlingEndPoint).QueryAsync(DomainName.Parse("intruder.acl0.test."), RecordType.A, TestContext.Current.CancellationToken);

        Assert.Equal(ResponseCode.Refused, bind?.ResponseCode);
        Assert.Equal(ResponseCode.Refused, kindling?.ResponseCode);
        Assert.Equal(ResponseCode.NXDomain, after.ResponseCode);
    }

    [Fact]
    public async Task DoubleNegatedAcl_UnsignedAxfrFrom127002_RefusedByBoth()
    {
        var wire = Axfr(DomainName.Parse("acl0.test."), signed: false);

        var bind = await SourceBound.ExchangeAsync(IPAddress.Parse("127.0.0.2"), servers.BindEndPoint, wire, tcp: true);
        var kindling = await SourceBound.ExchangeAsync(IPAddress.Parse("127.0.0.2"), servers.KindlingEndPoint, wire, tcp: true);

        Assert.Equal(ResponseCode.Refused, bind?.ResponseCode);
        Assert.Equal(ResponseCode.Refused, kindling?.ResponseCode);
        Assert.Empty(kindling!.Answers);
    }

    [Fact]
    public async Task DoubleNegatedAcl_SignedUpdate_AppliedByBoth()
    {
        var wire = Update(DomainName.Parse("acl0.test."), "signed.acl0.test.", signed: true);

        var bind = await SourceBound.ExchangeAsync(IPAddress.Parse("127.0.0.2"), servers.BindEndPoint, wire, tcp: false);
        var kindling = await SourceBound.ExchangeAsync(IPAddress.Parse("127.0.0.2"), servers.KindlingEndPoint, wire, tcp: false);
        var after = await new DnsClient(servers.KindlingEndPoint).QueryAsync(DomainName.Parse("signed.acl0.test."), RecordType.A, TestContext.Current.CancellationToken);

        Assert.Equal(ResponseCode.NoError, bind?.ResponseCode);
        Assert.Equal(ResponseCode.NoError, kindling?.ResponseCode);
        Assert.Single(after.Answers);
    }

    private static string Verdict(DnsMessage? reply) => reply is null ? "no answer" : $"{reply.ResponseCode}{(reply.Answers.Count > 0 ? " with records" : "")}";

    private static byte[] Axfr(DomainName zone, bool signed)
    {
        var wire = DnsMessage.CreateQuery(zone, RecordType.AXFR, DnsClient.NewId(), recursionDesired: false, udpPayloadSize: 0).ToArray();
        return signed ? TsigSigner.Sign(wire, Key, TsigSigner.Now(TimeProvider.System), [], out _) : wire;
    }

    private static byte[] Update(DomainName zone, string name, bool signed)
    {
        var update = new DnsMessage { Id = DnsClient.NewId(), Opcode = Opcode.Update };
        update.Questions.Add(new Question(zone, RecordType.SOA));
        update.Authority.Add(new ResourceRecord(DomainName.Parse(name), 300, new ARecord(IPAddress.Parse("192.0.2.66"))));
        var wire = update.ToArray();
        return signed ? TsigSigner.Sign(wire, Key, TsigSigner.Now(TimeProvider.System), [], out _) : wire;
    }

    /// <summary>BIND on 127.0.0.1 and Kindling on 127.0.0.2, each in its own folder (both journal updates), same named.conf.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        private readonly TempDirectory _bindDir = new("kindling-acl-bind");
        private readonly TempDirectory _kindlingDir = new("kindling-acl-kindling");
        private BindProcess? _bind;
        private DnsServer? _kindling;

        public IPEndPoint BindEndPoint { get; private set; } = null!;

        public IPEndPoint KindlingEndPoint { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            BindEndPoint = new IPEndPoint(IPAddress.Loopback, FreePort.TcpAndUdp("127.0.0.1"));
            KindlingEndPoint = new IPEndPoint(IPAddress.Parse("127.0.0.2"), FreePort.TcpAndUdp("127.0.0.2"));
            var zones = string.Concat(Lists.Select((list, i) =>
                $"zone \"acl{i}.test\" {{ type primary; file \"acl{i}.test.zone\"; allow-transfer {{ {list} }}; {(i == 0 ? "allow-update { !outsiders; key upd; };" : "")} }};\n"));
            var shared = $$"""
                key upd { algorithm hmac-sha256; secret "{{Secret}}"; };
                acl outsiders { !127.0.0.0/8; any; };
                acl inner { !127.0.0.3; 127.0.0.0/8; };
                acl outer { inner; };
                {{zones}}
                """;
            foreach (var dir in new[] { _bindDir, _kindlingDir })
            {
                for (var i = 0; i < Lists.Length; i++)
                {
                    dir.Write($"acl{i}.test.zone", "$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 60\n NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\n");
                }
            }

            var bindConf = _bindDir.Write("named.conf", BindProcess.TestOptions(_bindDir.Path, BindEndPoint) + shared);
            var kindlingConf = _kindlingDir.Write("named.conf", BindProcess.TestOptions(_kindlingDir.Path, KindlingEndPoint) + shared);
            _kindling = DnsServer.Load(new DnsServerOptions(kindlingConf) { Listen = [KindlingEndPoint], UdpThreads = 1 });
            _kindling.Start();
            _bind = await BindProcess.StartAsync(bindConf, BindEndPoint, "acl0.test.");
        }

        public async ValueTask DisposeAsync()
        {
            _kindling?.Dispose();
            if (_bind is not null)
            {
                await _bind.DisposeAsync();
            }

            _bindDir.Dispose();
            _kindlingDir.Dispose();
        }
    }
}
