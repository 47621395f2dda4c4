using System.Text;
using Kindling.Dns.Client;
using Kindling.Dns.Records;

namespace Kindling.Dns.Server.Tests.Differential;

/// <summary>
/// Sends each query of <see cref="DifferentialCases"/> to a real BIND and to Kindling, both serving the same files, and
/// requires the same rcode, opcode, AA, TC and RD flags, question, OPT record (present, payload size, version, DO), and the same records in the answer and authority sections (names compared
/// without case, RRsets as sets, since BIND rotates their order).
/// </summary>
public sealed class BindDifferentialTests(DifferentialFixture fixture) : IClassFixture<DifferentialFixture>
{
    public static TheoryData<int> Cases => new(Enumerable.Range(0, DifferentialCases.All.Count));

    [Fact]
    public void Suite_HasAtLeast150Queries() => Assert.True(DifferentialCases.All.Count >= 150, $"{DifferentialCases.All.Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Answer_SameAsBind(int index)
    {
        var @case = DifferentialCases.All[index];
        var id = DnsClient.NewId();
        var wire = @case.Wire(id);

        var bind = await ExchangeAsync(fixture.Bind, wire, @case.Tcp);
        var kindling = await ExchangeAsync(fixture.Kindling, wire, @case.Tcp);

        Assert.True(Describe(bind) == Describe(kindling), $"{@case}\n--- BIND ---\n{Describe(bind)}\n--- Kindling ---\n{Describe(kindling)}");
    }

    private static async Task<DnsMessage> ExchangeAsync(DnsClient client, byte[] wire, bool tcp) =>
        DnsMessage.Parse(tcp ? await client.ExchangeTcpAsync(wire) : await client.ExchangeUdpAsync(wire));

    /// <summary>The parts of a response the suite compares, in a canonical text form.</summary>
    public static string Describe(DnsMessage m)
    {
        var sb = new StringBuilder();
        sb.Append($"rcode={m.ResponseCode} aa={m.AuthoritativeAnswer} tc={m.Truncated} qr={m.IsResponse} ra={m.RecursionAvailable}\n");
        sb.Append($"opcode={m.Opcode} rd={m.RecursionDesired} question={string.Join(",", m.Questions.Select(q => $"{q.Name.ToString().ToLowerInvariant()}/{q.Type}"))}\n");
        sb.Append(m.Edns is { } edns ? $"opt: udp={edns.UdpPayloadSize} version={edns.Version} do={edns.DnssecOk} options={string.Join(",", edns.Options.Select(o => $"{o.Code}:{Convert.ToHexString(o.Data)}"))}\n" : "opt: none\n");
        if (m.Truncated)
        {
            // BIND fills a truncated answer with whichever records of its randomly ordered RRsets fit: compare how many.
            sb.Append($"answer: {m.Answers.Count} records of {string.Join(",", m.Answers.Select(a => a.Type).Distinct())}\n");
            sb.Append($"authority: {m.Authority.Count} records\n");
            return sb.ToString();
        }

        sb.Append("answer:\n");
        foreach (var line in m.Answers.Select(Canonical).Order(StringComparer.Ordinal))
        {
            sb.Append("  ").Append(line).Append('\n');
        }

        sb.Append("authority:\n");
        foreach (var line in m.Authority.Select(Canonical).Order(StringComparer.Ordinal))
        {
            sb.Append("  ").Append(line).Append('\n');
        }

        return sb.ToString();
    }

    private static string Canonical(ResourceRecord r)
    {
        var data = r.Data switch
        {
            NameRecordData or SoaRecord or MxRecord or SrvRecord => r.Data.ToString().ToLowerInvariant(),
            null => "",
            _ => r.Data.ToString(),
        };
        return $"{r.Name.ToString().ToLowerInvariant()} {r.Ttl} {RecordTypeText.ToText(r.Class)} {RecordTypeText.ToText(r.Type)} {data}";
    }
}
