using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Kindling.Dns;
using Kindling.Dns.Records;
using Kindling.Dns.Tsig;

namespace Kindling.Health.External;

/// <summary>How an UPDATE ended.</summary>
internal enum UpdateOutcome
{
    Applied,

    /// <summary>The RRset no longer held the expected value (NXRRSET/YXRRSET): someone else changed it.</summary>
    PrerequisiteFailed,

    /// <summary>Refused, not authorised (NOTAUTH: wrong key), not the zone's primary, or a reply whose TSIG did not verify.</summary>
    Rejected,
}

internal sealed record UpdateResult(UpdateOutcome Outcome, string Detail);

/// <summary>
/// Reads and replaces a name's address RRsets on an authoritative server with RFC 2136 UPDATE, compare-and-swap
/// style (§5.7): the prerequisite section requires the A and AAAA RRsets to hold exactly the expected value
/// (§2.4.2 "RRset exists (value dependent)", §2.4.3 "RRset does not exist"), so a controller acting on stale
/// knowledge changes nothing and two controllers cannot undo each other.
/// </summary>
internal sealed class Rfc2136Updater(DnsExchange exchange)
{
    private static readonly RecordType[] AddressTypes = [RecordType.A, RecordType.AAAA];

    /// <summary>The zone that holds <paramref name="name"/>: the owner of the SOA the server returns for it (RFC 2136 §4).</summary>
    /// <exception cref="IOException">The server is unreachable or does not serve the name.</exception>
    public async Task<DomainName> FindZoneAsync(DomainName name, CancellationToken cancellationToken)
    {
        var reply = await QueryAsync(name, RecordType.SOA, cancellationToken);
        var soa = reply.Answers.Concat(reply.Authority).FirstOrDefault(r => r.Type == RecordType.SOA);
        if (soa is null || reply.ResponseCode is not (ResponseCode.NoError or ResponseCode.NXDomain) || !reply.AuthoritativeAnswer)
        {
            throw new IOException($"{exchange.Server} is not authoritative for {name} (rcode {reply.ResponseCode}, no SOA); point --server at the zone's primary");
        }

        return soa.Name;
    }

    /// <summary>The A and AAAA addresses the server holds for the name (empty when it has none).</summary>
    public async Task<IReadOnlyList<IPAddress>> ReadAsync(DomainName name, CancellationToken cancellationToken)
    {
        var addresses = new List<IPAddress>();
        foreach (var type in AddressTypes)
        {
            var reply = await QueryAsync(name, type, cancellationToken);
            if (reply.ResponseCode is not (ResponseCode.NoError or ResponseCode.NXDomain))
            {
                throw new IOException($"{exchange.Server} answered {reply.ResponseCode} to {name} {type}");
            }

            addresses.AddRange(reply.AnswerAddresses().Where(a => (type == RecordType.A) == (a.AddressFamily == AddressFamily.InterNetwork)));
        }

        return addresses;
    }

    /// <summary>Replaces the name's A/AAAA RRsets with <paramref name="replacement"/> if they still hold exactly <paramref name="expected"/>.</summary>
    /// <exception cref="IOException">The server could not be reached or did not answer.</exception>
    public async Task<UpdateResult> ReplaceAsync(DomainName zone, DomainName name, IReadOnlyList<IPAddress> expected, IReadOnlyList<IPAddress> replacement, uint ttl,
        CancellationToken cancellationToken)
    {
        var update = BuildUpdate(zone, name, expected, replacement, ttl);
        var reply = await exchange.SendAsync(update, cancellationToken);
        var rcode = reply.Message.ResponseCode;
        if (exchange.Key is not null && reply.Tsig != TsigStatus.Valid)
        {
            return new UpdateResult(UpdateOutcome.Rejected, $"{rcode} ({TsigProblem(reply)}): check that --key holds the key named in the server's allow-update");
        }

        return rcode switch
        {
            ResponseCode.NoError => new UpdateResult(UpdateOutcome.Applied, "NOERROR"),
            ResponseCode.NXRRSet or ResponseCode.YXRRSet or ResponseCode.NXDomain or ResponseCode.YXDomain =>
                new UpdateResult(UpdateOutcome.PrerequisiteFailed, $"{rcode}: {name} no longer holds {Describe(expected)}"),
            ResponseCode.Refused => new UpdateResult(UpdateOutcome.Rejected, "REFUSED: the server's allow-update does not let this key (or address) update the zone"),
            ResponseCode.NotAuth => new UpdateResult(UpdateOutcome.Rejected, "NOTAUTH: the server is not authoritative for the zone, or rejected the key"),
            ResponseCode.NotZone => new UpdateResult(UpdateOutcome.Rejected, $"NOTZONE: {name} is not in zone {zone}"),
            _ => new UpdateResult(UpdateOutcome.Rejected, rcode.ToString().ToUpperInvariant()),
        };
    }

    /// <summary>The UPDATE message (RFC 2136 §2): zone, prerequisites on the old value, delete both RRsets, add the new.</summary>
    internal static DnsMessage BuildUpdate(DomainName zone, DomainName name, IReadOnlyList<IPAddress> expected, IReadOnlyList<IPAddress> replacement, uint ttl)
    {
        var message = new DnsMessage { Id = NewId(), Opcode = Opcode.Update };
        message.Questions.Add(new Question(zone, RecordType.SOA, RecordClass.IN));
        foreach (var type in AddressTypes)
        {
            var old = expected.Where(a => TypeOf(a) == type).ToList();
            if (old.Count == 0)
            {
                message.Answers.Add(new ResourceRecord(name, type, RecordClass.NONE, 0, null)); // §2.4.3 RRset does not exist
            }

            foreach (var address in old)
            {
                message.Answers.Add(new ResourceRecord(name, type, RecordClass.IN, 0, Data(address))); // §2.4.2 value dependent
            }
        }

        foreach (var type in AddressTypes)
        {
            message.Authority.Add(new ResourceRecord(name, type, RecordClass.ANY, 0, null)); // §2.5.2 delete an RRset
        }

        foreach (var address in replacement)
        {
            message.Authority.Add(new ResourceRecord(name, TypeOf(address), RecordClass.IN, ttl, Data(address))); // §2.5.1 add
        }

        return message;
    }

    public static bool SameSet(IReadOnlyList<IPAddress> a, IReadOnlyList<IPAddress> b) => a.ToHashSet().SetEquals(b);

    public static string Describe(IReadOnlyList<IPAddress> addresses) => addresses.Count == 0 ? "no address" : string.Join(", ", addresses);

    private async Task<DnsMessage> QueryAsync(DomainName name, RecordType type, CancellationToken cancellationToken)
    {
        var query = DnsMessage.CreateQuery(name, type, NewId(), recursionDesired: false, udpPayloadSize: 0);
        var reply = await exchange.SendAsync(query, cancellationToken);
        if (exchange.Key is not null && reply.Tsig != TsigStatus.Valid)
        {
            throw new IOException($"{exchange.Server} answered {name} {type} with {reply.Message.ResponseCode} ({TsigProblem(reply)}): "
                + "check that --key holds the key the server knows (same name, algorithm and secret)");
        }

        return reply.Message;
    }

    private static RecordType TypeOf(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork ? RecordType.A : RecordType.AAAA;

    private static RecordData Data(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork ? new ARecord(address) : new AaaaRecord(address);

    private static ushort NewId() => (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);

    private static string TsigProblem(DnsReply reply) =>
        reply.Message.Additional.LastOrDefault()?.Data is TsigRecord { Error: not ResponseCode.NoError } t
            ? $"TSIG error {TsigErrorText(t.Error)}"
            : $"reply TSIG {reply.Tsig}";

    private static string TsigErrorText(ResponseCode error) => error switch
    {
        TsigErrors.BadSig => "BADSIG",
        ResponseCode.BadKey => "BADKEY",
        ResponseCode.BadTime => "BADTIME",
        _ => error.ToString(),
    };
}
