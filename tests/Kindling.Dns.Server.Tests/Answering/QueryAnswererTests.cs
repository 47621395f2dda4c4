using CsCheck;
using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Zones;

namespace Kindling.Dns.Server.Tests.Answering;

public class QueryAnswererTests
{
    private static QueryAnswerer Answerer()
    {
        var origin = DomainName.Parse("example.test.");
        var builder = new ZoneBuilder(origin);
        var text = "$TTL 300\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\nwww A 192.0.2.10\nWww2 A 192.0.2.11\n*.w TXT \"x\"\n";
        foreach (var entry in new ZoneFileReader(new StringReader(text), "t.zone", origin).ReadAll())
        {
            builder.Add(entry.Record);
        }

        return new QueryAnswerer(new ZoneTable([builder.Build("t.zone")]));
    }

    private static DnsMessage Ask(QueryAnswerer answerer, string name, RecordType type, ushort id = 1)
    {
        var response = new byte[65535];
        var outcome = answerer.Answer(DnsMessage.CreateQuery(DomainName.Parse(name), type, id).ToArray(), response, tcp: false, out var length);
        Assert.Equal(AnswerOutcome.Respond, outcome);
        return DnsMessage.Parse(response.AsSpan(0, length));
    }

    [Fact]
    public void Answer_CachedResponse_CarriesEachQuestionsIdAndCase()
    {
        var answerer = Answerer();

        var first = Ask(answerer, "www.example.test.", RecordType.A, 7);
        var second = Ask(answerer, "WWW.Example.TEST.", RecordType.A, 8);

        Assert.Equal(1, answerer.CachedAnswers);
        Assert.Equal((ushort)8, second.Id);
        Assert.Equal("WWW.Example.TEST.", second.Questions[0].Name.ToString());
        Assert.Equal("www.example.test.", second.Answers[0].Name.ToString()); // the zone's case, as BIND answers
        Assert.Equal(first.Answers, second.Answers);
    }

    [Fact]
    public void Answer_Publish_DropsTheOldCache()
    {
        var answerer = Answerer();
        Ask(answerer, "www.example.test.", RecordType.A);

        answerer.Publish(new ZoneTable([]));

        Assert.Equal(ResponseCode.Refused, Ask(answerer, "www.example.test.", RecordType.A).ResponseCode);
    }

    [Fact]
    public void Answer_CacheHit_AllocatesNothing()
    {
        var answerer = Answerer();
        var query = DnsMessage.CreateQuery(DomainName.Parse("www.example.test."), RecordType.A, 1).ToArray();
        var nx = DnsMessage.CreateQuery(DomainName.Parse("nope.example.test."), RecordType.A, 1).ToArray();
        var response = new byte[4096];
        answerer.Answer(query, response, false, out _);
        answerer.Answer(nx, response, false, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            answerer.Answer(query, response, false, out _);
            answerer.Answer(nx, response, false, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Answer_ArbitraryBytes_NeverThrows()
    {
        var answerer = Answerer();
        var response = new byte[65535];
        Gen.Byte.Array[0, 200].Sample(bytes => answerer.Answer(bytes, response, tcp: false, out _), iter: 20000);
    }

    [Fact]
    public void Answer_MutatedQueries_NeverThrow()
    {
        var answerer = Answerer();
        var response = new byte[65535];
        var query = DnsMessage.CreateQuery(DomainName.Parse("a.w.example.test."), RecordType.TXT, 1).ToArray();
        Gen.Select(Gen.Int[0, query.Length - 1], Gen.Byte, Gen.Int[0, query.Length - 1], Gen.Byte).Sample((p1, v1, p2, v2) =>
        {
            var copy = (byte[])query.Clone();
            copy[p1] = v1;
            copy[p2] = v2;
            answerer.Answer(copy, response, tcp: false, out _);
        }, iter: 20000);
    }

    [Fact]
    public void Answer_CnameChainThroughTwoNamesWithTheSameHash_IsNotALoop()
    {
        // Two different names whose 32-bit hashes collide (a birthday search over c0, c1, ... finds a pair quickly).
        var seen = new Dictionary<int, int>();
        int first = -1, second = -1;
        for (var i = 0; first < 0; i++)
        {
            var hash = LowerWireComparer.Hash(DomainName.Parse($"c{i}.example.test.").ToLowerWire());
            if (!seen.TryAdd(hash, i))
            {
                (first, second) = (seen[hash], i);
            }
        }

        var origin = DomainName.Parse("example.test.");
        var builder = new ZoneBuilder(origin);
        var text = $"$TTL 300\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\nc{first} CNAME c{second}\nc{second} A 192.0.2.20\n";
        foreach (var entry in new ZoneFileReader(new StringReader(text), "t.zone", origin).ReadAll())
        {
            builder.Add(entry.Record);
        }

        var answer = Ask(new QueryAnswerer(new ZoneTable([builder.Build("t.zone")])), $"c{first}.example.test.", RecordType.A);

        Assert.Equal(ResponseCode.NoError, answer.ResponseCode);
        Assert.Equal(2, answer.Answers.Count);
    }
}
