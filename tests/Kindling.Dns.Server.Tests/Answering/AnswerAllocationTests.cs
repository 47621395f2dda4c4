using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Zones;

namespace Kindling.Dns.Server.Tests.Answering;

/// <summary>
/// The UDP answer path allocates nothing per query (issue 14): for each kind of query in bench/dns/run.sh's mix, after
/// warm-up, a round of thousands of answers leaves the thread's allocated-bytes counter where it was. Counted in bytes, not timed,
/// so the result does not depend on the machine's load.
/// </summary>
public class AnswerAllocationTests
{
    private const int Answers = 5000;

    public static TheoryData<string, bool, bool> Cases()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var kind in new[] { "A", "NXDOMAIN", "SOA", "NS", "PTR" })
        {
            foreach (var cached in new[] { true, false })
            {
                foreach (var edns in new[] { false, true })
                {
                    data.Add(kind, cached, edns);
                }
            }
        }

        return data;
    }

    private static ZoneTable Zones()
    {
        var forward = "$TTL 1D\n@ SOA @ rname.invalid. 0 1D 1H 1W 3H\n NS @\n NS ns\n A 127.0.0.1\n AAAA ::1\nns A 172.30.41.193\n";
        forward += string.Concat(Enumerable.Range(0, 1000).Select(i => $"host{i} A 172.30.{42 + (i / 250)}.{1 + (i % 250)}\n"));
        var reverse = "$TTL 1D\n@ SOA tinder-node-server.com. rname.invalid. 0 1D 1H 1W 3H\n NS tinder-node-server.com.\n"
            + "201 PTR www.tinder-node-server.com.\n201 PTR email.tinder-node-server.com.\n";
        return new ZoneTable([Build("tinder-node-server.com.", forward), Build("41.30.172.in-addr.arpa.", reverse)]);
    }

    private static Zone Build(string origin, string text)
    {
        var name = DomainName.Parse(origin);
        var builder = new ZoneBuilder(name);
        foreach (var entry in new ZoneFileReader(new StringReader(text), "t.zone", name).ReadAll())
        {
            builder.Add(entry.Record);
        }

        return builder.Build("t.zone");
    }

    private static byte[] Query(string kind, bool edns)
    {
        var (name, type) = kind switch
        {
            "A" => ("HoSt42.tinder-node-server.com.", RecordType.A),
            "NXDOMAIN" => ("missing42.tinder-node-server.com.", RecordType.A),
            "SOA" => ("tinder-node-server.com.", RecordType.SOA),
            "NS" => ("tinder-node-server.com.", RecordType.NS),
            _ => ("201.41.30.172.in-addr.arpa.", RecordType.PTR),
        };
        return DnsMessage.CreateQuery(DomainName.Parse(name), type, 7, recursionDesired: false, udpPayloadSize: edns ? (ushort)1232 : (ushort)0).ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Answer_EachQueryKind_AllocatesNothingPerQuery(string kind, bool cached, bool edns)
    {
        var answerer = cached ? new QueryAnswerer(Zones()) : new QueryAnswerer(Zones(), cacheCapacity: 0);
        var query = Query(kind, edns);
        var response = new byte[8192];
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(AnswerOutcome.Respond, answerer.Answer(query, response, tcp: false, out _));
        }

        var expected = response.AsSpan(0, Length(answerer, query, response)).ToArray();

        // A per-query allocation shows in every round (at least 24 bytes x 5,000); the runtime's own one-off
        // allocations on this thread (tiered JIT, statics) may land in one round, so a round of exactly 0 must exist.
        var rounds = new List<long>();
        for (var round = 0; round < 3 && (rounds.Count == 0 || rounds[^1] != 0); round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Answers; i++)
            {
                answerer.Answer(query, response, tcp: false, out _);
            }

            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(rounds[^1] == 0, $"{kind} (cached {cached}, EDNS {edns}): bytes allocated per round of {Answers} answers: {string.Join(", ", rounds)}");

        // The answer is a real one, and the same every time.
        Assert.Equal(expected, response.AsSpan(0, Length(answerer, query, response)).ToArray());
        var message = DnsMessage.Parse(expected);
        Assert.Equal(kind == "NXDOMAIN" ? ResponseCode.NXDomain : ResponseCode.NoError, message.ResponseCode);
        Assert.Equal(kind == "NXDOMAIN" ? 0 : kind == "PTR" || kind == "NS" ? 2 : 1, message.Answers.Count);
        Assert.Equal(edns, message.Edns is not null);
        Assert.Equal(DnsMessage.Parse(query).Questions[0].Name.ToString(), message.Questions[0].Name.ToString());
    }

    private static int Length(QueryAnswerer answerer, byte[] query, byte[] response)
    {
        answerer.Answer(query, response, tcp: false, out var length);
        return length;
    }
}
