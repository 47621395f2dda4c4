using Kindling.Dns.Tsig;

namespace Kindling.Dns.Tests.Tsig;

public class TsigSignerTests
{
    private static readonly TsigKey Key = TsigKey.FromBase64("k1", "hmac-sha256", Convert.ToBase64String(new byte[32]));
    private const ulong Now = 1_700_000_000;

    private static byte[] SignedQuery(TsigKey key, ulong time = Now) =>
        TsigSigner.Sign(DnsMessage.CreateQuery(DomainName.Parse("example.com."), RecordType.SOA, 42).ToArray(), key, time, [], out _);

    private static TsigKey? Lookup(DomainName name) => name == Key.Name ? Key : null;

    [Fact]
    public void Verify_SignedByTheKey_IsValid()
    {
        var result = TsigSigner.Verify(SignedQuery(Key), Lookup, Now + 10, []);

        Assert.Equal(TsigStatus.Valid, result.Status);
        Assert.Equal(32, result.Mac.Length);
    }

    [Fact]
    public void Verify_OneBitChanged_IsBadSig()
    {
        var signed = SignedQuery(Key);
        signed[3] ^= 0x01;

        Assert.Equal(TsigStatus.BadSig, TsigSigner.Verify(signed, Lookup, Now, []).Status);
    }

    [Fact]
    public void Verify_SameNameOtherSecret_IsBadSig()
    {
        var other = TsigKey.FromBase64("k1", "hmac-sha256", Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray()));

        Assert.Equal(TsigStatus.BadSig, TsigSigner.Verify(SignedQuery(other), Lookup, Now, []).Status);
    }

    [Fact]
    public void Verify_UnknownKeyOrAlgorithm_IsBadKey()
    {
        var unknown = TsigKey.FromBase64("k2", "hmac-sha256", Convert.ToBase64String(new byte[32]));
        var otherAlgorithm = TsigKey.FromBase64("k1", "hmac-sha512", Convert.ToBase64String(new byte[32]));

        Assert.Equal(TsigStatus.BadKey, TsigSigner.Verify(SignedQuery(unknown), Lookup, Now, []).Status);
        Assert.Equal(TsigStatus.BadKey, TsigSigner.Verify(SignedQuery(otherAlgorithm), Lookup, Now, []).Status);
    }

    [Fact]
    public void Verify_OutsideFudge_IsBadTime()
    {
        Assert.Equal(TsigStatus.BadTime, TsigSigner.Verify(SignedQuery(Key), Lookup, Now + 301, []).Status);
    }

    [Fact]
    public void Verify_Response_CoversTheRequestMac()
    {
        var request = TsigSigner.Sign(DnsMessage.CreateQuery(DomainName.Parse("example.com."), RecordType.SOA, 42).ToArray(), Key, Now, [], out var requestMac);
        var response = DnsMessage.Parse(request);
        response.IsResponse = true;
        response.Additional.Clear();
        var signed = TsigSigner.Sign(response.ToArray(), Key, Now, requestMac, out _);

        Assert.Equal(TsigStatus.Valid, TsigSigner.Verify(signed, Lookup, Now, requestMac).Status);
        Assert.Equal(TsigStatus.BadSig, TsigSigner.Verify(signed, Lookup, Now, new byte[32]).Status);
    }

    [Fact]
    public void Verify_Unsigned_SaysSo()
    {
        var query = DnsMessage.CreateQuery(DomainName.Parse("example.com."), RecordType.SOA, 42).ToArray();

        Assert.Equal(TsigStatus.Unsigned, TsigSigner.Verify(query, Lookup, Now, []).Status);
    }
}
