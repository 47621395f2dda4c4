using System.Net;
using Kindling.Dns.Config;
using Kindling.Dns.Server.Transfer;
using Kindling.Dns.Tsig;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Transfer;

/// <summary>
/// A TSIG-signed AXFR whose primary signs only the first, every 96th and the last message (as older NSD releases did;
/// RFC 8945 §5.3.1 allows up to 99 unsigned in a row). BIND's dig checks the same stream, so the test primary's signing
/// (and with it Kindling's verifying) is held to a real implementation's reading of the RFC, not only to itself.
/// </summary>
public sealed class SparseTsigTransferTests
{
    private const string Secret = "8C2vVtxzcUpdz/KGnMf8d1qZ6hOTuV4jvmGkKcPTCBk=";
    private const int Names = 5000;
    private static readonly DomainName Origin = DomainName.Parse("example.test.");
    private static readonly TsigKey Key = new(DomainName.Parse("xfr."), "hmac-sha256", Convert.FromBase64String(Secret));

    private static SparselySignedPrimary Primary(bool signLast = true) =>
        new(new IPEndPoint(IPAddress.Loopback, FreePort.TcpAndUdp("127.0.0.1")), Key, Origin, Names, recordsPerMessage: 20) { SignLast = signLast };

    private static Task<TransferResult> FetchAsync(SparselySignedPrimary primary) =>
        ZoneFetcher.TransferAsync(new RemoteServer(primary.EndPoint.Address, primary.EndPoint.Port, Key.Name), Key, Origin, null, null,
            TimeSpan.FromSeconds(30), NamedConf.DefaultMaxRecordsInZone, TimeProvider.System, TestContext.Current.CancellationToken);

    private static Task<ProcessResult> DigAsync(SparselySignedPrimary primary) =>
        ProcessRunner.RunAsync(Requires.Tool("dig", "bind9-dnsutils"),
            ["-y", $"hmac-sha256:xfr:{Secret}", $"@{primary.EndPoint.Address}", "-p", primary.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "example.test.", "AXFR"],
            TimeSpan.FromSeconds(30));

    [Fact]
    public async Task SignedEvery96thMessage_VerifiesInDig_AndInTheFetcher()
    {
        await using var primary = Primary();

        var dig = await DigAsync(primary);
        // 5002 records in 251 messages of 20 (the last of 2): signed are 1, 97, 193 and 251.
        Assert.True(dig.ExitCode == 0, dig.ToString());
        Assert.Contains($"XFR size: {Names + 2} records (messages 251", dig.StdOut);
        Assert.DoesNotContain("verify", dig.All, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([1, 97, 193, 251], primary.LastSigned.Select((s, i) => (s, n: i + 1)).Where(x => x.s).Select(x => x.n));

        var result = await FetchAsync(primary);

        Assert.Equal(7u, result.Serial);
        Assert.Equal(Names + 1, result.Records!.Count);
        Assert.Equal(DomainName.Parse($"h{Names - 1}.example.test."), result.Records[^1].Name);
    }

    [Fact]
    public async Task ChangedUnsignedMessage_FailsInDig_AndInTheFetcher_AtTheNextSignedMessage()
    {
        await using var primary = Primary();
        primary.Tamper = 50;

        var dig = await DigAsync(primary);
        Assert.Contains("verify", dig.All, StringComparison.OrdinalIgnoreCase);

        var e = await Assert.ThrowsAsync<IOException>(() => FetchAsync(primary));
        Assert.Contains($"AXFR of example.test. from {primary.EndPoint}: reply message 97: TSIG BadSig", e.Message);
    }

    [Fact]
    public async Task LastMessageUnsigned_FailsTheFetch()
    {
        await using var primary = Primary(signLast: false);

        var e = await Assert.ThrowsAsync<IOException>(() => FetchAsync(primary));

        Assert.Equal(251, primary.LastSigned.Count);
        Assert.False(primary.LastSigned[^1]);
        Assert.Contains($"AXFR of example.test. from {primary.EndPoint}: the last message (251) carries no TSIG", e.Message);
    }
}
