using System.Net;
using Kindling.Dns.Records;
using Kindling.Dns.Tsig;

namespace Kindling.Dns.Tests.Tsig;

/// <summary>
/// The receiving side of a TSIG-signed zone transfer (RFC 8945 §5.3.1): up to 99 unsigned messages between signed ones,
/// covered by the next signed message's MAC; the first and last message signed.
/// </summary>
public class TsigStreamVerifierTests
{
    private static readonly TsigKey Key = TsigKey.FromBase64("xfr", "hmac-sha256", Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
    private static readonly DomainName Origin = DomainName.Parse("example.test.");

    private static ulong Now => TsigSigner.Now(TimeProvider.System);

    private static byte[] Request(out byte[] mac)
    {
        var request = new DnsMessage { Id = 4242 };
        request.Questions.Add(new Question(Origin, RecordType.AXFR, RecordClass.IN));
        return TsigSigner.Sign(request.ToArray(), Key, Now, [], out mac);
    }

    // Reply message number `n` (1-based): one A record, so every message differs.
    private static byte[] Reply(int n)
    {
        var reply = new DnsMessage { Id = 4242, IsResponse = true, AuthoritativeAnswer = true };
        reply.Questions.Add(new Question(Origin, RecordType.AXFR, RecordClass.IN));
        reply.Answers.Add(new ResourceRecord(DomainName.Parse($"h{n}.example.test."), 300, new ARecord(IPAddress.Parse($"10.0.{n / 256}.{n % 256}"))));
        return reply.ToArray();
    }

    /// <summary>A primary's reply stream of <paramref name="count"/> messages, those for which <paramref name="signed"/> holds signed per §5.3.1.</summary>
    private static List<byte[]> Stream(byte[] requestMac, int count, Func<int, bool> signed)
    {
        var messages = new List<byte[]>();
        var mac = requestMac;
        var pending = new List<byte[]>();
        for (var n = 1; n <= count; n++)
        {
            var wire = Reply(n);
            if (!signed(n))
            {
                pending.Add(wire);
                messages.Add(wire);
                continue;
            }

            var buffer = new byte[wire.Length + 512];
            wire.CopyTo(buffer, 0);
            var length = TsigSigner.Sign(buffer, wire.Length, Key, Now, mac, out mac, timersOnly: n > 1, unsignedBefore: pending);
            pending = [];
            messages.Add(buffer[..length]);
        }

        return messages;
    }

    private static TsigStreamVerifier Verifier(byte[] requestMac) => new(Key, requestMac, TimeProvider.System);

    [Fact]
    public void NinetyNineUnsignedBetweenSignedOnes_Verify()
    {
        Request(out var requestMac);
        var stream = Stream(requestMac, 202, n => n is 1 or 101 or 202 || n == 150);
        var verifier = Verifier(requestMac);

        var signed = stream.Select(m => verifier.Add(m)).ToList();
        verifier.Finish();

        Assert.Equal([1, 101, 150, 202], signed.Select((s, i) => (s, n: i + 1)).Where(x => x.s).Select(x => x.n));
    }

    [Fact]
    public void EveryMessageSigned_Verifies()
    {
        Request(out var requestMac);
        var verifier = Verifier(requestMac);

        Assert.All(Stream(requestMac, 5, _ => true), m => Assert.True(verifier.Add(m)));
        verifier.Finish();
    }

    [Fact]
    public void HundredUnsignedInARow_IsAnError()
    {
        Request(out var requestMac);
        var stream = Stream(requestMac, 103, n => n is 1 or 102 or 103);
        var verifier = Verifier(requestMac);
        for (var n = 1; n <= 100; n++)
        {
            verifier.Add(stream[n - 1]);
        }

        var e = Assert.Throws<IOException>(() => verifier.Add(stream[100]));

        Assert.Contains("messages 2 to 101 carry no TSIG", e.Message);
        Assert.Contains("at most 99", e.Message);
    }

    [Fact]
    public void LastMessageUnsigned_IsAnError()
    {
        Request(out var requestMac);
        var verifier = Verifier(requestMac);
        foreach (var message in Stream(requestMac, 10, n => n is 1 or 5))
        {
            verifier.Add(message);
        }

        var e = Assert.Throws<IOException>(verifier.Finish);

        Assert.Contains("the last message (10) carries no TSIG", e.Message);
    }

    [Fact]
    public void FirstMessageUnsigned_IsAnError()
    {
        Request(out var requestMac);
        var stream = Stream(requestMac, 3, n => n > 1);

        var e = Assert.Throws<IOException>(() => Verifier(requestMac).Add(stream[0]));

        Assert.Contains("message 1 carries no TSIG", e.Message);
    }

    [Fact]
    public void TamperedUnsignedMessage_FailsTheNextSignedOne_NamingIt()
    {
        Request(out var requestMac);
        var stream = Stream(requestMac, 40, n => n is 1 or 40);
        // Message 17 is unsigned: change the address of its A record (the last octet of the message).
        stream[16][^1] ^= 0x01;
        var verifier = Verifier(requestMac);
        for (var n = 1; n < 40; n++)
        {
            verifier.Add(stream[n - 1]);
        }

        var e = Assert.Throws<IOException>(() => verifier.Add(stream[39]));

        Assert.Contains("message 40: TSIG BadSig", e.Message);
        Assert.Contains("the 38 unsigned messages before it", e.Message);
    }

    [Fact]
    public void UnsignedMessageLeftOut_FailsTheNextSignedOne()
    {
        Request(out var requestMac);
        var stream = Stream(requestMac, 6, n => n is 1 or 6);
        stream.RemoveAt(2);
        var verifier = Verifier(requestMac);
        for (var n = 0; n < 4; n++)
        {
            verifier.Add(stream[n]);
        }

        var e = Assert.Throws<IOException>(() => verifier.Add(stream[4]));

        Assert.Contains("message 5: TSIG BadSig", e.Message);
    }
}
