using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Kindling.Dns.Client;

/// <summary>
/// A small stub-resolver client for one server: UDP first, TCP when the answer comes back truncated (RFC 7766 §5),
/// a timeout per attempt and a few retries over UDP. Random IDs; a reply whose ID or question does not match is
/// ignored (RFC 5452 §9.1). Used by Kindling's tools and tests; it never consults the system resolver.
/// </summary>
public sealed class DnsClient(IPEndPoint server, TimeSpan? timeout = null, int attempts = 3)
{
    public IPEndPoint Server { get; } = server;

    public TimeSpan Timeout { get; } = timeout ?? TimeSpan.FromSeconds(2);

    /// <summary>Asks for <paramref name="name"/>/<paramref name="type"/> with recursion desired and EDNS(0) at 1232 octets.</summary>
    public Task<DnsMessage> QueryAsync(DomainName name, RecordType type, CancellationToken cancellationToken = default) =>
        SendAsync(DnsMessage.CreateQuery(name, type, NewId()), tcp: false, cancellationToken);

    /// <summary>The A and AAAA addresses of a name (following CNAMEs inside the answers).</summary>
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string name, CancellationToken cancellationToken = default)
    {
        var domain = DomainName.Parse(name);
        var a = await QueryAsync(domain, RecordType.A, cancellationToken);
        var aaaa = await QueryAsync(domain, RecordType.AAAA, cancellationToken);
        return [.. a.AnswerAddresses(), .. aaaa.AnswerAddresses()];
    }

    /// <summary>Sends a message; over UDP a truncated answer is retried over TCP.</summary>
    public async Task<DnsMessage> SendAsync(DnsMessage query, bool tcp = false, CancellationToken cancellationToken = default)
    {
        var wire = query.ToArray();
        if (!tcp)
        {
            var response = DnsMessage.Parse(await ExchangeUdpAsync(wire, cancellationToken));
            if (!response.Truncated)
            {
                return response;
            }
        }

        return DnsMessage.Parse(await ExchangeTcpAsync(wire, cancellationToken));
    }

    /// <summary>Sends raw octets over UDP and returns the matching reply's octets.</summary>
    public async Task<byte[]> ExchangeUdpAsync(ReadOnlyMemory<byte> query, CancellationToken cancellationToken = default)
    {
        using var socket = new Socket(Server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(Server);
        var buffer = new byte[ushort.MaxValue];
        var id = BinaryPrimitives.ReadUInt16BigEndian(query.Span);
        for (var attempt = 1; ; attempt++)
        {
            await socket.SendAsync(query, SocketFlags.None, cancellationToken);
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(Timeout);
            try
            {
                while (true)
                {
                    var length = await socket.ReceiveAsync(buffer, SocketFlags.None, timer.Token);
                    if (length >= 12 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id && (buffer[2] & 0x80) != 0)
                    {
                        return buffer[..length];
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt >= attempts)
                {
                    throw new TimeoutException($"no answer from {Server} over UDP after {attempts} tries of {Timeout.TotalSeconds:0.#} s");
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                throw new IOException($"{Server} refused the query (nothing listens on that port)", e);
            }
        }
    }

    /// <summary>Sends raw octets over TCP (length-prefixed) and returns the reply's octets.</summary>
    public async Task<byte[]> ExchangeTcpAsync(ReadOnlyMemory<byte> query, CancellationToken cancellationToken = default)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(Timeout);
        using var socket = new Socket(Server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(Server, timer.Token);
            await WriteFramedAsync(socket, query, timer.Token);
            return await ReadFramedAsync(socket, timer.Token) ?? throw new IOException($"{Server} closed the TCP connection without answering");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from {Server} over TCP within {Timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Writes one length-prefixed message (RFC 1035 §4.2.2).</summary>
    public static async Task WriteFramedAsync(Socket socket, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var framed = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed.AsMemory(2));
        await socket.SendAsync(framed, SocketFlags.None, cancellationToken);
    }

    /// <summary>Reads one length-prefixed message, or null when the peer closed the connection.</summary>
    public static async Task<byte[]?> ReadFramedAsync(Socket socket, CancellationToken cancellationToken)
    {
        var prefix = new byte[2];
        if (!await ReadExactlyAsync(socket, prefix, cancellationToken))
        {
            return null;
        }

        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        return await ReadExactlyAsync(socket, message, cancellationToken) ? message : throw new IOException("TCP connection closed in the middle of a message");
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> from the socket; false when the peer closed the connection first. Shared with
    /// the server's TCP listener. (<c>Stream.ReadExactlyAsync</c> would need a <c>NetworkStream</c> per connection and
    /// throws on a clean close, which both callers treat as the normal end of a connection.)
    /// </summary>
    public static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    public static ushort NewId() => (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
}
