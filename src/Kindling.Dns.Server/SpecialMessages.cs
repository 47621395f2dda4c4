using System.Net;
using Kindling.Dns.Config;
using Kindling.Dns.Records;
using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Transfer;
using Kindling.Dns.Server.Update;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Tsig;
using Kindling.Dns.Wire;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server;

/// <summary>
/// The messages the hot path hands over: TSIG verification (RFC 8945 §5.2), UPDATE (RFC 2136), zone transfers over
/// TCP (RFC 5936, <c>allow-transfer</c>), incoming NOTIFY (a secondary zone refreshes; a primary zone ignores it), UPDATE
/// forwarding for secondary zones (<c>allow-update-forwarding</c>), and TSIG-signed queries.
/// </summary>
internal sealed class SpecialMessages(QueryAnswerer answerer, ZoneStore store, Func<NamedConf> conf, ILogger logger, TimeProvider time)
    : ISpecialMessageHandler
{
    /// <summary>
    /// Octets a signed UDP answer keeps free for the TSIG record added after it (RFC 8945 §4.2): owner (the key
    /// name), algorithm name, the fixed fields and a MAC of up to 64 octets (HMAC-SHA512) fit in 200.
    /// </summary>
    private const int TsigRoom = 200;

    /// <summary>The secondary zones (set once the server is built).</summary>
    public SecondaryZones? Secondaries { get; set; }

    /// <summary>The address transfers and forwarded UPDATEs leave from.</summary>
    public Func<System.Net.Sockets.AddressFamily, IPAddress?> Source { get; set; } = _ => null;

    public async Task HandleAsync(ReadOnlyMemory<byte> message, IPEndPoint remote, bool tcp, Func<ReadOnlyMemory<byte>, ValueTask> send,
        CancellationToken cancellationToken)
    {
        DnsMessage request;
        try
        {
            request = DnsMessage.Parse(message.Span);
        }
        catch (DnsFormatException)
        {
            if (message.Length >= 12)
            {
                await send(new DnsMessage { Id = (ushort)((message.Span[0] << 8) | message.Span[1]), IsResponse = true, ResponseCode = ResponseCode.FormErr }.ToArray());
            }

            return;
        }

        var config = conf();
        var tsig = TsigSigner.Verify(message.Span, name => config.Keys.GetValueOrDefault(name), TsigSigner.Now(time), []);
        if (TsigRejection(request, tsig, remote) is { } rejection)
        {
            await send(rejection);
            return;
        }

        var key = tsig.Status == TsigStatus.Valid ? tsig.Key : null;
        var requester = new Requester(remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address, key?.Name);
        switch (request.Opcode)
        {
            case Opcode.Update when request.Questions.Count == 1 && Secondaries?.Find(request.Questions[0].Name) is { } secondary:
                await ForwardUpdateAsync(message, request, secondary, requester, key, tsig.Mac, config, send, cancellationToken);
                return;
            case Opcode.Notify when request.Questions.Count == 1 && Secondaries?.Get(request.Questions[0].Name) is { } refreshing:
                await send(Sign(NotifyForSecondary(request, refreshing, requester, remote, config), key, tsig.Mac));
                return;
            case Opcode.Update:
                await send(Sign(Reply(request, ApplyUpdate(request, requester, remote, key, config)), key, tsig.Mac));
                return;
            case Opcode.Notify:
                await send(Sign(NotifyForPrimary(request, remote), key, tsig.Mac));
                return;
            case Opcode.Query when request.Questions.Count == 1 && request.Questions[0].Type is RecordType.AXFR or RecordType.IXFR:
                await TransferAsync(request, requester, key, tsig.Mac, tcp, config, send);
                return;
            case Opcode.Query:
                await send(AnswerSignedQuery(message.Span, tsig, key, tcp));
                return;
            default:
                await send(Sign(Reply(request, ResponseCode.NotImp), key, tsig.Mac));
                return;
        }
    }

    // The reply to a request whose TSIG failed (RFC 8945 §5.2): unsigned for a bad key, signature or format, BADTIME
    // with the server's time; null when the TSIG is valid or absent.
    private byte[]? TsigRejection(DnsMessage request, TsigVerification tsig, IPEndPoint remote)
    {
        if (tsig.Status is TsigStatus.BadKey or TsigStatus.BadSig or TsigStatus.FormErr)
        {
            logger.LogWarning("{Opcode} from {Remote}: TSIG {Status} (key {Key})", request.Opcode, remote, tsig.Status, tsig.KeyName);
            return Unsigned(request, tsig);
        }

        return tsig.Status == TsigStatus.BadTime ? BadTimeReply(request, tsig) : null;
    }

    // An UPDATE for a zone served here as primary (RFC 2136), logged with its outcome.
    private ResponseCode ApplyUpdate(DnsMessage request, Requester requester, IPEndPoint remote, TsigKey? key, NamedConf config)
    {
        var rcode = new UpdateProcessor(store, config, logger).Process(request, requester);
        logger.LogInformation("UPDATE {Zone} from {Remote}{Key}: {Rcode}", request.Questions.FirstOrDefault().Name, remote,
            key is null ? "" : $" key {key.Name}", rcode);
        return rcode;
    }

    // RFC 8945 §5.2.3: NOTAUTH signed with BADTIME and the server's time in the other data, so the client sees the skew.
    private byte[] BadTimeReply(DnsMessage request, TsigVerification tsig)
    {
        var serverTime = TsigSigner.Now(time);
        var other = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            other[i] = (byte)(serverTime >> (40 - (8 * i)));
        }

        var reply = Reply(request, ResponseCode.NotAuth);
        var buffer = new byte[ushort.MaxValue];
        var length = reply.Write(buffer);
        length = TsigSigner.Sign(buffer, length, tsig.Key!, serverTime, tsig.Mac, out _, ResponseCode.BadTime, other);
        return buffer.AsMemory(0, length).ToArray();
    }

    // A NOTIFY for a zone this server is secondary for: refresh now when it comes from a primary or allow-notify admits it.
    private DnsMessage NotifyForSecondary(DnsMessage request, SecondaryZone refreshing, Requester requester, IPEndPoint remote, NamedConf config)
    {
        var fromPrimary = refreshing.Config.Primaries.Any(p => p.Address.Equals(requester.Address))
            || (refreshing.Config.AllowNotify ?? config.AllowNotify).Allows(requester, config);
        logger.LogInformation("NOTIFY {Zone} from {Remote}: {Outcome}", refreshing.Config.Name, remote,
            fromPrimary ? "refreshing from the primaries" : "refused (not a primary of the zone, not in allow-notify)");
        if (fromPrimary)
        {
            refreshing.Wake();
        }

        return Reply(request, fromPrimary ? ResponseCode.NoError : ResponseCode.Refused, authoritative: fromPrimary);
    }

    // As BIND when it is the zone's primary: NOERROR (there is nothing to fetch), NOTAUTH for a zone it does not serve.
    private DnsMessage NotifyForPrimary(DnsMessage request, IPEndPoint remote)
    {
        var served = request.Questions.Count == 1 && store.Zones.Get(request.Questions[0].Name) is not null;
        logger.LogInformation("NOTIFY {Zone} from {Remote}: {Outcome}", request.Questions.FirstOrDefault().Name, remote,
            served ? "this server is the primary, ignored" : "not a zone served here");
        return Reply(request, served ? ResponseCode.NoError : ResponseCode.NotAuth, authoritative: served);
    }

    // A query that carried TSIG: answered from the zones like any query (without the TSIG record), then signed.
    private byte[] AnswerSignedQuery(ReadOnlySpan<byte> message, TsigVerification tsig, TsigKey? key, bool tcp)
    {
        var response = new byte[ushort.MaxValue];
        var unsigned = message[..(tsig.RecordOffset > 0 ? tsig.RecordOffset : message.Length)].ToArray();
        if (tsig.RecordOffset > 0)
        {
            var additional = ((unsigned[10] << 8) | unsigned[11]) - 1; // the TSIG record is not part of the query proper
            unsigned[10] = (byte)(additional >> 8);
            unsigned[11] = (byte)additional;
        }

        var answerLength = answerer.BuildUncached(unsigned, response, tcp ? ushort.MaxValue : EdnsDefaults.UdpPayloadSize - TsigRoom);
        if (key is not null)
        {
            answerLength = TsigSigner.Sign(response, answerLength, key, TsigSigner.Now(time), tsig.Mac, out _);
        }

        return response.AsMemory(0, answerLength).ToArray();
    }

    private async Task ForwardUpdateAsync(ReadOnlyMemory<byte> message, DnsMessage request, ZoneConfig zone, Requester requester, TsigKey? key,
        byte[] mac, NamedConf config, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken)
    {
        var allow = zone.AllowUpdateForwarding ?? config.AllowUpdateForwarding;
        if (!allow.Allows(requester, config))
        {
            logger.LogWarning("UPDATE {Zone} from {Requester}: REFUSED (a secondary zone; allow-update-forwarding does not admit it)", zone.Name, requester);
            await send(Sign(Reply(request, ResponseCode.Refused), key, mac));
            return;
        }

        var (reply, detail) = await UpdateForwarder.ForwardAsync(message, zone, Source(zone.Primaries[0].Address.AddressFamily), cancellationToken);
        logger.LogInformation("UPDATE {Zone} from {Requester}: {Detail}{Rcode}", zone.Name, requester, detail,
            reply is null ? "" : ": " + (ResponseCode)(reply[3] & HeaderFlags.RcodeMask));
        await send(reply ?? Sign(Reply(request, ResponseCode.ServFail), key, mac));
    }

    private async Task TransferAsync(DnsMessage request, Requester requester, TsigKey? key, byte[] mac, bool tcp, NamedConf config,
        Func<ReadOnlyMemory<byte>, ValueTask> send)
    {
        var question = request.Questions[0];
        var zone = store.Zones.Get(question.Name);
        if (zone is null)
        {
            await send(Sign(Reply(request, ResponseCode.NotAuth), key, mac));
            return;
        }

        var allow = zone.Config?.AllowTransfer ?? config.AllowTransfer;
        if (!allow.Allows(requester, config))
        {
            logger.LogWarning("{Type} of {Zone} refused for {Requester} (allow-transfer)", question.Type, zone.Origin, requester);
            var refused = Reply(request, ResponseCode.Refused);
            if (refused.Edns is { } edns)
            {
                refused.Edns = edns with { Options = [ProhibitedError] }; // RFC 8914 §4.19, as BIND adds
            }

            await send(Sign(refused, key, mac));
            return;
        }

        if (!tcp)
        {
            await send(Sign(OverUdp(request, zone), key, mac));
            return;
        }

        logger.LogInformation("{Type} of {Zone} serial {Serial} to {Requester}", question.Type, zone.Origin, zone.Serial, requester);
        await ZoneTransfer.SendAsync(zone, request, key, mac, time, send);
    }

    // Extended DNS Error 18, "Prohibited" (RFC 8914): option code 15, INFO-CODE 18, no text.
    private static readonly EdnsOption ProhibitedError = new(15, [0, 18]);

    // After the zone and allow-transfer checks, as BIND's xfrout orders them: AXFR is TCP only (RFC 5936 §4.2), FORMERR;
    // an IXFR over UDP gets the current SOA alone, which tells the client to come back over TCP (RFC 1995 §2), and an
    // IXFR without the client's SOA in the authority section is malformed (RFC 1995 §3).
    private static DnsMessage OverUdp(DnsMessage request, Zone zone)
    {
        if (request.Questions[0].Type == RecordType.AXFR || !request.Authority.Any(r => r.Type == RecordType.SOA))
        {
            return Reply(request, ResponseCode.FormErr);
        }

        var reply = Reply(request, ResponseCode.NoError);
        reply.Answers.AddRange(zone.SoaSet.ToRecords());
        return reply;
    }

    /// <summary>
    /// A response without records: the request's question, and an OPT when the request carried one (RFC 6891 §7, also
    /// on errors), as BIND answers.
    /// </summary>
    private static DnsMessage Reply(DnsMessage request, ResponseCode rcode, bool authoritative = false)
    {
        var reply = new DnsMessage
        {
            Id = request.Id,
            IsResponse = true,
            Opcode = request.Opcode,
            RecursionDesired = request.RecursionDesired,
            ResponseCode = rcode,
            AuthoritativeAnswer = authoritative,
            Edns = request.Edns is { } edns ? new Edns(ResponseBuilder.ServerUdpPayload, DnssecOk: edns.DnssecOk) : null,
        };
        reply.Questions.AddRange(request.Questions);
        return reply;
    }

    private byte[] Sign(DnsMessage reply, TsigKey? key, byte[] requestMac)
    {
        var wire = reply.ToArray();
        return key is null ? wire : TsigSigner.Sign(wire, key, TsigSigner.Now(time), requestMac, out _);
    }

    // RFC 8945 §5.2.1/§5.2.2: NOTAUTH with a TSIG carrying the error and no MAC, not signed.
    private byte[] Unsigned(DnsMessage request, TsigVerification tsig)
    {
        var reply = Reply(request, ResponseCode.NotAuth);
        if (tsig.Record is { } record)
        {
            var error = tsig.Status == TsigStatus.BadKey ? ResponseCode.BadKey : TsigErrors.BadSig;
            reply.Additional.Add(new ResourceRecord(tsig.KeyName, RecordType.TSIG, RecordClass.ANY, 0,
                new TsigRecord(record.Algorithm, TsigSigner.Now(time), record.Fudge, [], request.Id, error, [])));
        }

        return reply.ToArray();
    }
}
