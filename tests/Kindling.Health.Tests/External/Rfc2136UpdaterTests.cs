using System.Net;
using Kindling.Dns;
using Kindling.Dns.Config;
using Kindling.Health.External;
using Kindling.Testing;

namespace Kindling.Health.Tests.External;

/// <summary>Compare-and-swap UPDATEs against a real BIND named (RFC 2136 §5.7, TSIG RFC 8945).</summary>
public sealed class Rfc2136UpdaterTests : IDisposable
{
    private static readonly IPAddress Primary = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Backup = IPAddress.Parse("127.0.0.3");
    private static readonly DomainName Www = DomainName.Parse("www.tinder-node-server.com.");

    private readonly NamedServer _named = NamedServer.Start("tinder-node-server.com", "www 5 IN A 127.0.0.2");

    public void Dispose() => _named.Dispose();

    private Rfc2136Updater Updater(string keyFile)
    {
        var key = NamedConf.Load(keyFile).Keys.Values.Single();
        return new Rfc2136Updater(new DnsExchange(_named.EndPoint, key, TimeProvider.System));
    }

    [Fact]
    public async Task FindZoneAndRead_SeeTheZoneAndTheCurrentAddresses()
    {
        var updater = Updater(_named.KeyFile);

        Assert.Equal(DomainName.Parse("tinder-node-server.com."), await updater.FindZoneAsync(Www, TestContext.Current.CancellationToken));
        Assert.Equal([Primary], await updater.ReadAsync(Www, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Replace_ExpectedValueHolds_SwitchesWhatDigSees()
    {
        var updater = Updater(_named.KeyFile);
        var zone = await updater.FindZoneAsync(Www, TestContext.Current.CancellationToken);

        var result = await updater.ReplaceAsync(zone, Www, [Primary], [Backup], 5, TestContext.Current.CancellationToken);

        Assert.Equal(UpdateOutcome.Applied, result.Outcome);
        Assert.Equal("127.0.0.3", await _named.DigAsync("www.tinder-node-server.com"));
    }

    [Fact]
    public async Task Replace_StaleExpectation_ChangesNothing()
    {
        var updater = Updater(_named.KeyFile);
        var zone = await updater.FindZoneAsync(Www, TestContext.Current.CancellationToken);

        var result = await updater.ReplaceAsync(zone, Www, [Backup], [IPAddress.Parse("127.0.0.9")], 5, TestContext.Current.CancellationToken);

        Assert.Equal(UpdateOutcome.PrerequisiteFailed, result.Outcome);
        Assert.StartsWith("NXRRSet", result.Detail, StringComparison.Ordinal);
        Assert.Equal("127.0.0.2", await _named.DigAsync("www.tinder-node-server.com"));
    }

    [Fact]
    public async Task Replace_TwoControllersWithTheSameOldValue_OnlyTheFirstWins()
    {
        var first = Updater(_named.KeyFile);
        var second = Updater(_named.KeyFile);
        var zone = await first.FindZoneAsync(Www, TestContext.Current.CancellationToken);

        var won = await first.ReplaceAsync(zone, Www, [Primary], [Backup], 5, TestContext.Current.CancellationToken);
        var lost = await second.ReplaceAsync(zone, Www, [Primary], [IPAddress.Parse("127.0.0.4")], 5, TestContext.Current.CancellationToken);

        Assert.Equal(UpdateOutcome.Applied, won.Outcome);
        Assert.Equal(UpdateOutcome.PrerequisiteFailed, lost.Outcome);
        Assert.Equal("127.0.0.3", await _named.DigAsync("www.tinder-node-server.com"));
    }

    [Fact]
    public async Task Replace_AddsAndRemovesAaaa()
    {
        var updater = Updater(_named.KeyFile);
        var zone = await updater.FindZoneAsync(Www, TestContext.Current.CancellationToken);
        var v6 = IPAddress.Parse("fd00::3");

        Assert.Equal(UpdateOutcome.Applied, (await updater.ReplaceAsync(zone, Www, [Primary], [Backup, v6], 5, TestContext.Current.CancellationToken)).Outcome);
        Assert.Equal("fd00::3", await _named.DigAsync("www.tinder-node-server.com", "AAAA"));
        Assert.Equal(UpdateOutcome.Applied, (await updater.ReplaceAsync(zone, Www, [Backup, v6], [Primary], 5, TestContext.Current.CancellationToken)).Outcome);
        Assert.Equal("", await _named.DigAsync("www.tinder-node-server.com", "AAAA"));
        Assert.Equal("127.0.0.2", await _named.DigAsync("www.tinder-node-server.com"));
    }

    [Fact]
    public async Task Replace_WrongKey_IsRejectedWithBadSig()
    {
        var updater = Updater(_named.WrongKeyFile);

        var result = await updater.ReplaceAsync(DomainName.Parse("tinder-node-server.com."), Www, [Primary], [Backup], 5, TestContext.Current.CancellationToken);

        Assert.Equal(UpdateOutcome.Rejected, result.Outcome);
        Assert.Contains("BADSIG", result.Detail, StringComparison.Ordinal);
        Assert.Equal("127.0.0.2", await _named.DigAsync("www.tinder-node-server.com"));
    }

    [Fact]
    public void BuildUpdate_PrerequisitesNameTheOldValueAndAbsentTypes()
    {
        var message = Rfc2136Updater.BuildUpdate(DomainName.Parse("tinder-node-server.com."), Www, [Primary], [Backup], 5);

        Assert.Equal(Opcode.Update, message.Opcode);
        Assert.Equal(RecordType.SOA, Assert.Single(message.Questions).Type);
        Assert.Collection(message.Answers,
            r => Assert.Equal((RecordType.A, RecordClass.IN, 0u, "127.0.0.2"), (r.Type, r.Class, r.Ttl, r.Data?.ToString())),
            r => Assert.Equal((RecordType.AAAA, RecordClass.NONE, (Kindling.Dns.Records.RecordData?)null), (r.Type, r.Class, r.Data)));
        Assert.Equal(3, message.Authority.Count);
        Assert.Equal((RecordType.A, RecordClass.IN, 5u, "127.0.0.3"), (message.Authority[2].Type, message.Authority[2].Class, message.Authority[2].Ttl, message.Authority[2].Data?.ToString()));
    }
}
