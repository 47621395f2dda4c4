using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Client;
using Kindling.Dns.Records;
using Kindling.Dns.Tsig;

namespace Kindling.Dns.Server.Tests.Transfer;

/// <summary>
/// A test primary on loopback that answers a TSIG-signed AXFR the way older NSD releases did: many small messages, only the
/// first, every <see cref="SignEvery"/>th and the last signed, each signed one's MAC covering the unsigned ones before it
/// (RFC 8945 §5.3.1). <see cref="Tamper"/> changes one unsigned message after signing, to check that receivers notice.
/// </summary>
internal sealed class SparselySignedPrimary : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly TsigKey _key;
    private readonly DomainName _origin;

    public SparselySignedPrimary(IPEndPoint at, TsigKey key, DomainName origin, int names, int recordsPerMessage)
    {
        _key = key;
        _origin = origin;
        Names = names;
        RecordsPerMessage = recordsPerMessage;
        _listener = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(at);
        _listener.Listen();
        EndPoint = at;
        _serving = Task.Run(ServeAsync);
    }

    public IPEndPoint EndPoint { get; }

    public int Names { get; }

    public int RecordsPerMessage { get; }

    public int SignEvery { get; init; } = 96;

    /// <summary>Whether the last message is signed (RFC 8945 §5.3.1 requires it; false to test that receivers insist).</summary>
    public bool SignLast { get; init; } = true;

    /// <summary>The 1-based number of an unsigned message to change after signing (0: none).</summary>
    public int Tamper { get; set; }

    /// <summary>The messages of the last transfer, and which of them were signed.</summary>
    public IReadOnlyList<bool> LastSigned { get; private set; } = [];

    /// <summary>SOA, then an A record per name, then the SOA again: what the transfer carries.</summary>
    public IEnumerable<ResourceRecord> Records()
    {
        var soa = new ResourceRecord(_origin, 300, new SoaRecord(DomainName.Parse("ns1." + _origin), DomainName.Parse("hostmaster." + _origin), 7, 3600, 600, 86400, 60));
        yield return soa;
        for (var i = 0; i < Names; i++)
        {
            yield return new ResourceRecord(DomainName.Parse($"h{i}.{_origin}"), 300, new ARecord(IPAddress.Parse($"10.0.{i / 256 % 256}.{i % 256}")));
        }

        yield return soa;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            using (client)
            {
                try
                {
                    await AnswerAsync(client);
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
                {
                }
            }
        }
    }

    private async Task AnswerAsync(Socket client)
    {
        var request = await DnsClient.ReadFramedAsync(client, _stop.Token) ?? throw new IOException("no request");
        var check = TsigSigner.Verify(request, name => name == _key.Name ? _key : null, TsigSigner.Now(TimeProvider.System), []);
        if (check.Status != TsigStatus.Valid)
        {
            throw new IOException($"request TSIG {check.Status}");
        }

        var query = DnsMessage.Parse(request);
        var chunks = Records().Chunk(RecordsPerMessage).ToList();
        var mac = check.Mac;
        var pending = new List<byte[]>();
        // Which messages are signed, known (and visible to the test) before the first is sent.
        LastSigned = Enumerable.Range(1, chunks.Count)
            .Select(n => n == 1 || (n == chunks.Count && SignLast) || (n != chunks.Count && (n - 1) % SignEvery == 0)).ToList();
        for (var n = 1; n <= chunks.Count; n++)
        {
            var reply = new DnsMessage { Id = query.Id, IsResponse = true, AuthoritativeAnswer = true };
            reply.Questions.Add(query.Questions[0]);
            reply.Answers.AddRange(chunks[n - 1]);
            var wire = reply.ToArray();
            if (LastSigned[n - 1])
            {
                var buffer = new byte[wire.Length + 512];
                wire.CopyTo(buffer, 0);
                var length = TsigSigner.Sign(buffer, wire.Length, _key, TsigSigner.Now(TimeProvider.System), mac, out mac, timersOnly: n > 1, unsignedBefore: pending);
                pending = [];
                wire = buffer[..length];
            }
            else
            {
                pending.Add(wire.ToArray());
                if (n == Tamper)
                {
                    // The last octet is the last A record's address: a changed answer, the signed MAC unchanged.
                    wire[^1] ^= 0x01;
                }
            }

            await DnsClient.WriteFramedAsync(client, wire, _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
