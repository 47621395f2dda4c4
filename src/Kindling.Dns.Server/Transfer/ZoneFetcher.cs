using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Config;
using Kindling.Dns.Records;
using Kindling.Dns.Client;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Tsig;

namespace Kindling.Dns.Server.Transfer;

/// <summary>
/// The client side of zone transfers for a secondary zone: the SOA query of a refresh (UDP, RFC 1035 §4.3.5), then IXFR
/// (RFC 1995) when a version is held, AXFR (RFC 5936) otherwise, over TCP, from the server's own address (so a primary's
/// <c>allow-transfer</c> and <c>also-notify</c> can name it). With a key the request is signed and the reply's TSIG chain
/// must verify (RFC 8945 §5.3.1, <see cref="TsigStreamVerifier"/>: the first and last messages signed, at most 99
/// unsigned ones in a row between signed ones, whose MACs cover them).
/// Failures raise <see cref="IOException"/> naming the primary, the zone and what went wrong.
/// </summary>
internal static class ZoneFetcher
{
    public static async Task<uint> QuerySerialAsync(RemoteServer primary, TsigKey? key, DomainName origin, IPAddress? source, TimeSpan timeout,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var query = DnsMessage.CreateQuery(origin, RecordType.SOA, DnsClient.NewId(), recursionDesired: false);
        var wire = SignRequest(query.ToArray(), key, time, out var mac);

        using var socket = new Socket(primary.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        Bind(socket, source);
        var buffer = new byte[ushort.MaxValue];
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            try
            {
                await socket.SendToAsync(wire, SocketFlags.None, primary.EndPoint, timer.Token);
                while (true)
                {
                    var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(primary.Address.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), timer.Token);
                    // Only the primary asked may answer (RFC 5452 §9.1: address, port and ID must all match).
                    if (received.ReceivedBytes < 12 || !primary.EndPoint.Equals(received.RemoteEndPoint) || buffer[0] != wire[0] || buffer[1] != wire[1] || (buffer[2] & 0x80) == 0)
                    {
                        continue;
                    }

                    var reply = buffer.AsSpan(0, received.ReceivedBytes);
                    Verify(reply, key, mac, time, false, primary, origin, "SOA query");
                    var message = DnsMessage.Parse(reply);
                    if (message.ResponseCode != ResponseCode.NoError || !message.AuthoritativeAnswer)
                    {
                        throw new IOException($"primary {primary.EndPoint} answered the SOA query for {origin} with {message.ResponseCode}{(message.AuthoritativeAnswer ? "" : ", not authoritative")}");
                    }

                    return message.Answers.FirstOrDefault(r => r.Type == RecordType.SOA && r.Name == origin)?.Data is SoaRecord soa
                        ? soa.Serial
                        : throw new IOException($"primary {primary.EndPoint} sent no SOA for {origin}");
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            catch (SocketException e)
            {
                throw new IOException($"primary {primary.EndPoint}: SOA query for {origin}: {e.SocketErrorCode}", e);
            }
        }

        throw new IOException($"primary {primary.EndPoint} did not answer the SOA query for {origin} (3 tries of {timeout.TotalSeconds:0.#} s)");
    }

    /// <summary>
    /// IXFR from <paramref name="serial"/> when given, else AXFR. A transfer bringing more than <paramref name="maxRecords"/>
    /// records (the zone's, or an IXFR's deletions and additions) is stopped as it arrives, so a primary cannot make this
    /// server allocate without bound.
    /// </summary>
    public static async Task<TransferResult> TransferAsync(RemoteServer primary, TsigKey? key, DomainName origin, uint? serial, IPAddress? source,
        TimeSpan timeout, int maxRecords, TimeProvider time, CancellationToken cancellationToken)
    {
        var type = serial is null ? RecordType.AXFR : RecordType.IXFR;
        var request = TransferRequest(origin, serial);
        var wire = SignRequest(request.ToArray(), key, time, out var mac);

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        using var socket = new Socket(primary.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        Bind(socket, source);
        var reader = new Reader(origin, serial, maxRecords);
        var what = $"{type} of {origin} from {primary.EndPoint}";
        var tsig = key is null ? null : new TsigStreamVerifier(key, mac, time);
        try
        {
            await socket.ConnectAsync(primary.EndPoint, timer.Token);
            await DnsClient.WriteFramedAsync(socket, wire, timer.Token);
            while (!reader.Done)
            {
                var octets = await DnsClient.ReadFramedAsync(socket, timer.Token) ?? throw new IOException($"{what}: the primary closed the connection before the closing SOA");
                // An error answer (REFUSED, NOTAUTH for a bad request TSIG: sent unsigned) fails the transfer as what it says.
                var message = DnsMessage.Parse(octets);
                CheckReply(message, request, key, what);
                var signed = Verify(tsig, octets, what);
                foreach (var record in message.Answers)
                {
                    reader.Add(record, what);
                }

                if (reader.SingleSoa && !signed)
                {
                    throw new IOException($"{what}: message {tsig!.Messages}, which ends the transfer with a single SOA, carries no TSIG (key {key!.Name}); the last message must be signed");
                }

                if (reader.SingleSoa && serial is { } held && !SerialNumber.IsGreater(reader.Serial, held))
                {
                    return new TransferResult(reader.Serial) { UpToDate = true };
                }

                if (reader.SingleSoa && serial is not null)
                {
                    // RFC 1995 §4: a lone newer SOA means "ask for the whole zone".
                    return await TransferAsync(primary, key, origin, null, source, timeout, maxRecords, time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"{what}: not complete within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            throw new IOException($"{what}: {e.SocketErrorCode}", e);
        }
        catch (DnsFormatException e)
        {
            throw new IOException($"{what}: malformed reply: {e.Message}", e);
        }

        try
        {
            tsig?.Finish();
        }
        catch (IOException e)
        {
            throw new IOException($"{what}: {e.Message}", e);
        }

        return reader.Result();
    }

    // AXFR, or IXFR (RFC 1995 §3) with the SOA of the serial held in the authority section.
    private static DnsMessage TransferRequest(DomainName origin, uint? serial)
    {
        var request = new DnsMessage { Id = DnsClient.NewId() };
        request.Questions.Add(new Question(origin, serial is null ? RecordType.AXFR : RecordType.IXFR, RecordClass.IN));
        if (serial is { } from)
        {
            request.Authority.Add(new ResourceRecord(origin, 0, new SoaRecord(origin, origin, from, 0, 0, 0, 0)));
        }

        return request;
    }

    // The request signed with the key (its MAC then starts the chain of reply MACs), or as is without a key.
    private static byte[] SignRequest(byte[] wire, TsigKey? key, TimeProvider time, out byte[] mac)
    {
        mac = [];
        return key is null ? wire : TsigSigner.Sign(wire, key, TsigSigner.Now(time), [], out mac);
    }

    private static void CheckReply(DnsMessage message, DnsMessage request, TsigKey? key, string what)
    {
        if (message.Id != request.Id)
        {
            throw new IOException($"{what}: a reply with another ID");
        }

        if (message.ResponseCode != ResponseCode.NoError)
        {
            throw new IOException($"{what}: {message.ResponseCode.ToString().ToUpperInvariant()} (does the primary's allow-transfer admit this server{(key is null ? "" : " and key " + key.Name)}?)");
        }
    }

    private static void Bind(Socket socket, IPAddress? source)
    {
        if (source is not null && source.AddressFamily == socket.AddressFamily)
        {
            socket.Bind(new IPEndPoint(source, 0));
        }
    }

    // One reply message of a transfer through the TSIG chain (RFC 8945 §5.3.1); true when it was signed (or no key is used).
    private static bool Verify(TsigStreamVerifier? tsig, byte[] octets, string what)
    {
        try
        {
            return tsig?.Add(octets) ?? true;
        }
        catch (IOException e)
        {
            throw new IOException($"{what}: reply {e.Message}", e);
        }
    }

    private static byte[] Verify(ReadOnlySpan<byte> reply, TsigKey? key, byte[] previousMac, TimeProvider time, bool timersOnly, RemoteServer primary,
        DomainName origin, string what)
    {
        if (key is null)
        {
            return [];
        }

        var check = TsigSigner.Verify(reply, name => name == key.Name ? key : null, TsigSigner.Now(time), previousMac, timersOnly);
        return check.Status == TsigStatus.Valid
            ? check.Record!.Mac
            : throw new IOException($"primary {primary.EndPoint}: {what} of {origin}: reply TSIG {check.Status} (key {key.Name}); the answer must be signed with the key");
    }

    /// <summary>Splits the record stream into AXFR form or IXFR increments and knows when it is complete.</summary>
    private sealed class Reader(DomainName origin, uint? held, int maxRecords)
    {
        private long _kept;
        private readonly List<ResourceRecord> _records = [];
        private readonly List<JournalEntry> _changes = [];
        private bool? _incremental;
        private JournalEntry? _change;
        private bool _adding;

        public uint Serial { get; private set; }

        public bool Done { get; private set; }

        public bool SingleSoa => _records.Count == 1 && _incremental is null;

        public void Add(ResourceRecord record, string what)
        {
            if (Done)
            {
                throw new IOException($"{what}: records after the closing SOA");
            }

            Keep(what);
            var soa = record.Type == RecordType.SOA && record.Name == origin ? record.Data as SoaRecord : null;
            if (_records.Count == 0)
            {
                Serial = soa?.Serial ?? throw new IOException($"{what}: the transfer does not start with the zone's SOA");
                _records.Add(record);
                return;
            }

            // RFC 1995 §4: a second SOA with the held serial starts increments; anything else is AXFR form.
            _incremental ??= soa is not null && held is { } h && soa.Serial == h && soa.Serial != Serial;
            if (_incremental == false)
            {
                AddInAxfrForm(record, soa, what);
                return;
            }

            if (soa is null)
            {
                (_adding ? _change!.Added : _change!.Deleted).Add(record);
                return;
            }

            AddIncrementSoa(record, soa);
        }

        // Every record but the closing SOA is kept: the cap counts them (and the closing SOA) before they are.
        private void Keep(string what)
        {
            if (++_kept > (long)maxRecords + 1)
            {
                throw new IOException($"{what}: more than {maxRecords} records (the cap on a transfer of this zone, max-records-in-zone in named.conf); the transfer is stopped and the version held stays served");
            }
        }

        public TransferResult Result() => _incremental == true
            ? new TransferResult(Serial) { Changes = _changes }
            : new TransferResult(Serial) { Records = _records };

        // AXFR form: records up to the closing SOA, which must repeat the opening serial.
        private void AddInAxfrForm(ResourceRecord record, SoaRecord? soa, string what)
        {
            if (soa is null)
            {
                _records.Add(record);
            }
            else
            {
                Done = soa.Serial == Serial ? true : throw new IOException($"{what}: closing SOA serial {soa.Serial} differs from the opening {Serial}");
            }
        }

        // An SOA inside IXFR increments: it starts an increment's deletions or additions, or closes the transfer.
        private void AddIncrementSoa(ResourceRecord record, SoaRecord soa)
        {
            if (_change is null || _adding)
            {
                // The deletions of the next increment start, or (the newest serial) the transfer closes.
                if (_change is not null)
                {
                    _changes.Add(_change);
                }

                if (_change is not null && soa.Serial == Serial)
                {
                    Done = true;
                    return;
                }

                _change = new JournalEntry(soa.Serial, soa.Serial, default, "");
                _change.Deleted.Add(record);
                _adding = false;
                return;
            }

            // The additions of this increment start with the SOA it moves to.
            _change = _change with { To = soa.Serial };
            _change.Added.Add(record);
            _adding = true;
        }
    }
}
