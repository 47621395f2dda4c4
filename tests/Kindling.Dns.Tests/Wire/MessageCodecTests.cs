using System.Net;
using Kindling.Dns.Records;

namespace Kindling.Dns.Tests.Wire;

public class MessageCodecTests
{
    [Fact]
    public void CreateQuery_ToArray_IsTheWireFormatDigSends()
    {
        var query = DnsMessage.CreateQuery(DomainName.Parse("www.tinder-node-server.com."), RecordType.A, 0x1234, udpPayloadSize: 0);

        var wire = query.ToArray();

        byte[] expected = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
            3, (byte)'w', (byte)'w', (byte)'w', 18, .. "tinder-node-server"u8.ToArray(), 3, (byte)'c', (byte)'o', (byte)'m', 0, 0, 1, 0, 1];
        Assert.Equal(expected, wire);
    }

    [Fact]
    public void Write_RepeatedNames_AreCompressed()
    {
        var message = new DnsMessage { Id = 1, IsResponse = true };
        var name = DomainName.Parse("www.example.com.");
        message.Questions.Add(new Question(name, RecordType.A));
        message.Answers.Add(new ResourceRecord(name, 60, new ARecord(IPAddress.Parse("192.0.2.1"))));
        message.Answers.Add(new ResourceRecord(DomainName.Parse("mail.example.com."), 60, new MxRecord(10, name)));

        var wire = message.ToArray();

        // question name 17 octets; answer owner: a 2-octet pointer; mail.example.com: "mail" + pointer; MX target: pointer
        Assert.Equal(12 + 17 + 4 + (2 + 10 + 4) + (7 + 10 + 2 + 2), wire.Length);
        var parsed = DnsMessage.Parse(wire);
        Assert.Equal(name, parsed.Answers[1].Data is MxRecord mx ? mx.Exchange : default);
    }

    [Fact]
    public void Write_CompressionIsCaseSensitive_SoCaseSurvives()
    {
        var message = new DnsMessage { Id = 1 };
        message.Questions.Add(new Question(DomainName.Parse("WWW.example.com."), RecordType.A));
        message.Answers.Add(new ResourceRecord(DomainName.Parse("www.example.com."), 60, new ARecord(IPAddress.Loopback)));

        var parsed = DnsMessage.Parse(message.ToArray());

        Assert.Equal("www.example.com.", parsed.Answers[0].Name.ToString());
        Assert.Equal("WWW.example.com.", parsed.Questions[0].Name.ToString());
    }

    [Fact]
    public void Parse_PointerLoop_IsFormatError()
    {
        // question name is a pointer to itself
        byte[] wire = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1];

        var e = Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(wire));
        Assert.Contains("backwards", e.Message);
    }

    [Fact]
    public void Parse_ForwardPointer_IsFormatError()
    {
        byte[] wire = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 18, 0, 1, 0, 1, 1, (byte)'a', 0];

        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(wire));
    }

    [Fact]
    public void Parse_TruncatedMessage_SaysWhereDataIsMissing()
    {
        var wire = DnsMessage.CreateQuery(DomainName.Parse("example.com."), RecordType.A, 1).ToArray();

        var e = Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(wire.AsSpan(0, wire.Length - 3)));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Parse_Edns_LiftsOptAndExtendedRcode()
    {
        var message = new DnsMessage { Id = 7, IsResponse = true, ResponseCode = ResponseCode.BadVers, Edns = new Edns(4096, DnssecOk: true) };
        message.Edns = message.Edns with { Options = [new EdnsOption(10, [1, 2, 3, 4, 5, 6, 7, 8])] };

        var parsed = DnsMessage.Parse(message.ToArray());

        Assert.Equal(ResponseCode.BadVers, parsed.ResponseCode);
        Assert.Equal(4096, parsed.Edns!.UdpPayloadSize);
        Assert.True(parsed.Edns.DnssecOk);
        Assert.Equal(10, Assert.Single(parsed.Edns.Options).Code);
        Assert.Empty(parsed.Additional);
    }

    [Fact]
    public void Parse_TwoOptRecords_IsFormatError()
    {
        var message = new DnsMessage { Id = 7, Edns = new Edns() };
        var wire = message.ToArray().ToList();
        wire.AddRange([0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]);
        wire[11] = 2;

        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(wire.ToArray()));
    }

    [Fact]
    public void Write_Truncate_DropsWholeRecordsAndSetsTc()
    {
        var message = new DnsMessage { Id = 1, IsResponse = true, Edns = new Edns(512) };
        var name = DomainName.Parse("big.example.");
        message.Questions.Add(new Question(name, RecordType.TXT));
        for (var i = 0; i < 10; i++)
        {
            message.Answers.Add(new ResourceRecord(name, 60, new TxtRecord(new string((char)('a' + i), 100))));
        }

        var buffer = new byte[512];
        var length = message.Write(buffer, truncate: true);
        var parsed = DnsMessage.Parse(buffer.AsSpan(0, length));

        Assert.True(parsed.Truncated);
        Assert.InRange(parsed.Answers.Count, 1, 9);
        Assert.NotNull(parsed.Edns); // OPT survives truncation
    }

    [Fact]
    public void AnswerAddresses_FollowsCnameChain()
    {
        var message = new DnsMessage { IsResponse = true };
        message.Questions.Add(new Question(DomainName.Parse("alias.example."), RecordType.A));
        message.Answers.Add(new ResourceRecord(DomainName.Parse("alias.example."), 60, new CnameRecord(DomainName.Parse("WWW.example."))));
        message.Answers.Add(new ResourceRecord(DomainName.Parse("www.example."), 60, new ARecord(IPAddress.Parse("192.0.2.7"))));
        message.Answers.Add(new ResourceRecord(DomainName.Parse("other.example."), 60, new ARecord(IPAddress.Parse("192.0.2.8"))));

        var parsed = DnsMessage.Parse(message.ToArray());

        Assert.Equal([IPAddress.Parse("192.0.2.7")], parsed.AnswerAddresses());
    }
}
