using System.Net;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Server.Answering;

/// <summary>What a transport does with a message after <see cref="QueryAnswerer.Answer"/>.</summary>
public enum AnswerOutcome
{
    /// <summary>Send the response written into the buffer.</summary>
    Respond,
    /// <summary>Send nothing (not a query, or too short to answer).</summary>
    Drop,
    /// <summary>Hand the message to the <see cref="ISpecialMessageHandler"/> (UPDATE, NOTIFY, zone transfers, TSIG).</summary>
    Special,
}

/// <summary>
/// Messages the hot path does not answer itself: UPDATE (RFC 2136), NOTIFY (RFC 1996), AXFR (RFC 5936) and TSIG-signed
/// queries (RFC 8945). They may do I/O (journal writes) and may send several messages (AXFR over TCP).
/// </summary>
public interface ISpecialMessageHandler
{
    /// <param name="message">The request as received.</param>
    /// <param name="remote">Who sent it.</param>
    /// <param name="tcp">Whether it came over TCP (zone transfers need it).</param>
    /// <param name="send">Sends one response message.</param>
    Task HandleAsync(ReadOnlyMemory<byte> message, IPEndPoint remote, bool tcp, Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken cancellationToken);
}

/// <summary>
/// The query path shared by every transport: parse the question from the packet, answer from the per-version cache
/// or build the answer from the current <see cref="ZoneTable"/>. The table and its cache are published together as
/// one immutable state swapped atomically (reload, UPDATE, overlay change); a query reads that reference once.
/// No locks, and no allocation on a cache hit.
/// </summary>
public sealed class QueryAnswerer
{
    private const int MaxMessage = ushort.MaxValue;

    [ThreadStatic]
    private static byte[]? t_scratch;

    private volatile State _state;

    public QueryAnswerer(ZoneTable zones, int cacheCapacity = AnswerCache.DefaultCapacity)
    {
        CacheCapacity = cacheCapacity;
        _state = new State(zones, new AnswerCache(cacheCapacity));
    }

    public int CacheCapacity { get; }

    public ZoneTable Zones => _state.Zones;

    internal int CachedAnswers => _state.Cache.Count;

    public ISpecialMessageHandler? Special { get; set; }

    /// <summary>Makes a new zone table current; answers cached for the previous one are dropped with it.</summary>
    public void Publish(ZoneTable zones) => _state = new State(zones, new AnswerCache(CacheCapacity));

    /// <summary>
    /// Answers <paramref name="packet"/> into <paramref name="response"/> (at least 512 octets for UDP, 65535 for TCP).
    /// <paramref name="length"/> is the response's length when the outcome is <see cref="AnswerOutcome.Respond"/>.
    /// </summary>
    public AnswerOutcome Answer(ReadOnlySpan<byte> packet, Span<byte> response, bool tcp, out int length)
    {
        Span<byte> original = stackalloc byte[DomainName.MaxWireLength];
        Span<byte> lower = stackalloc byte[DomainName.MaxWireLength];
        length = 0;
        var parse = QueryParser.Parse(packet, original, lower, out var q);
        if (parse == QueryParse.Drop)
        {
            return AnswerOutcome.Drop;
        }

        var name = original[..q.LowerNameLength];
        var lowerName = lower[..q.LowerNameLength];
        if (parse == QueryParse.FormErr)
        {
            length = ResponseBuilder.Error(q, name, q.HasQuestion, response, ResponseCode.FormErr);
            return AnswerOutcome.Respond;
        }

        if (q.Opcode != Opcode.Query)
        {
            return AnswerOtherOpcode(q, name, response, out length);
        }

        if (q.HasEdns && q.EdnsVersion > 0)
        {
            length = ResponseBuilder.Error(q, name, true, response, ResponseCode.BadVers);
            return AnswerOutcome.Respond;
        }

        if (q.HasTsig || q.Type is RecordType.AXFR or RecordType.IXFR)
        {
            if (Special is not null)
            {
                return AnswerOutcome.Special;
            }

            length = ResponseBuilder.Error(q, name, true, response, q.HasTsig ? ResponseCode.NotAuth : ResponseCode.Refused);
            return AnswerOutcome.Respond;
        }

        var limit = Math.Min(ResponseLimit(q, tcp), response.Length);
        var state = _state;
        if (TryWholeAnswer(state, q, name, lowerName, response, limit, out length))
        {
            return AnswerOutcome.Respond;
        }

        // Too large for this client: build again within its limit, compressing as tightly as possible, TC if needed.
        length = ResponseBuilder.Build(state.Zones, q, name, lowerName, response, limit, compressAgainstQuestion: true);
        return AnswerOutcome.Respond;
    }

    // NOTIFY and UPDATE go to the special handler (NOTIMP without one); any other opcode gets NOTIMP.
    private AnswerOutcome AnswerOtherOpcode(in ParsedQuery q, ReadOnlySpan<byte> name, Span<byte> response, out int length)
    {
        length = 0;
        if (q.Opcode is Opcode.Notify or Opcode.Update)
        {
            if (Special is not null)
            {
                return AnswerOutcome.Special;
            }

            length = ResponseBuilder.Error(q, name, true, response, ResponseCode.NotImp);
            return AnswerOutcome.Respond;
        }

        // As BIND (dns_message_reply): an unknown opcode's NOTIMP carries the header alone, RD and CD cleared,
        // and the OPT when the query had one.
        var bare = q;
        bare.Flags &= HeaderFlags.OpcodeMask;
        length = ResponseBuilder.Error(bare, [], false, response, ResponseCode.NotImp);
        return AnswerOutcome.Respond;
    }

    // TCP: a whole message; UDP: the client's EDNS payload size within [512, ours], or 512 without EDNS (RFC 1035 §4.2.1).
    private static int ResponseLimit(in ParsedQuery q, bool tcp) =>
        tcp ? MaxMessage : q.HasEdns ? Math.Clamp((int)q.UdpPayloadSize, 512, ResponseBuilder.ServerUdpPayload) : 512;

    // The full answer, from the cache (its ID and question case patched in) or built and cached, when it fits `limit`.
    private static bool TryWholeAnswer(State state, in ParsedQuery q, ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerName, Span<byte> response,
        int limit, out int length)
    {
        length = 0;
        Span<byte> key = stackalloc byte[AnswerCache.MaxKeyLength];
        var keyLength = AnswerCache.Key(q, lowerName, key);
        if (state.Cache.TryGet(key[..keyLength], out var cached))
        {
            if (cached.Length > limit)
            {
                return false;
            }

            cached.CopyTo(response);
            response[0] = (byte)(q.Id >> 8);
            response[1] = (byte)q.Id;
            name.CopyTo(response[12..]);
            length = cached.Length;
            return true;
        }

        var scratch = t_scratch ??= new byte[MaxMessage];
        var full = ResponseBuilder.Build(state.Zones, q, name, lowerName, scratch, MaxMessage, compressAgainstQuestion: false);
        state.Cache.Add(key[..keyLength], scratch.AsSpan(0, full));
        if (full > limit)
        {
            return false;
        }

        scratch.AsSpan(0, full).CopyTo(response);
        length = full;
        return true;
    }

    /// <summary>Answers a standard query from the current zones without the cache (used by the TSIG path).</summary>
    internal int BuildUncached(ReadOnlySpan<byte> packet, Span<byte> response, int limit)
    {
        Span<byte> original = stackalloc byte[DomainName.MaxWireLength];
        Span<byte> lower = stackalloc byte[DomainName.MaxWireLength];
        if (QueryParser.Parse(packet, original, lower, out var q) != QueryParse.Ok)
        {
            return ResponseBuilder.Error(q, [], false, response, ResponseCode.FormErr);
        }

        return ResponseBuilder.Build(_state.Zones, q, original[..q.LowerNameLength], lower[..q.LowerNameLength], response, limit, compressAgainstQuestion: true);
    }

    private sealed record State(ZoneTable Zones, AnswerCache Cache);
}
