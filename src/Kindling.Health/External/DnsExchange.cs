using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kindling.Dns;
using Kindling.Dns.Tsig;

namespace Kindling.Health.External;

/// <summary>A DNS server's reply, with the outcome of checking its TSIG when the request was signed.</summary>
public sealed record DnsReply(DnsMessage Message, TsigStatus Tsig);

/// <summary>
/// Sends one request to a DNS server over TCP (RFC 1035 §4.2.2, RFC 7766: two-octet length prefix) and reads the
/// reply; with a key, signs the request with TSIG and checks the reply's TSIG (RFC 8945 §5.3, §5.4).
/// TCP, not UDP: an UPDATE must not be lost or duplicated by a retry.
/// </summary>
public sealed class DnsExchange(IPEndPoint server, TsigKey? key, TimeProvider time, TimeSpan? timeout = null)
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(5);

    public IPEndPoint Server => server;

    public TsigKey? Key => key;

    /// <exception cref="IOException">The server could not be reached, closed the connection, or did not answer in time.</exception>
    /// <exception cref="DnsFormatException">The reply is not a DNS message.</exception>
    public async Task<DnsReply> SendAsync(DnsMessage request, CancellationToken cancellationToken)
    {
        var buffer = new byte[65535];
        var length = request.Write(buffer);
        byte[] requestMac = [];
        if (key is not null)
        {
            length = TsigSigner.Sign(buffer, length, key, TsigSigner.Now(time), [], out requestMac);
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(_timeout);
        try
        {
            using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server, timeoutSource.Token);
            var framed = new byte[length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)length);
            buffer.AsSpan(0, length).CopyTo(framed.AsSpan(2));
            await socket.SendAsync(framed, SocketFlags.None, timeoutSource.Token);
            var prefix = new byte[2];
            await ReceiveExactlyAsync(socket, prefix, timeoutSource.Token);
            var reply = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            await ReceiveExactlyAsync(socket, reply, timeoutSource.Token);
            var message = DnsMessage.Parse(reply);
            if (message.Id != request.Id)
            {
                throw new IOException($"{server} answered message {message.Id}, not {request.Id}");
            }

            var tsig = key is null
                ? TsigStatus.Unsigned
                : TsigSigner.Verify(reply, name => name == key.Name ? key : null, TsigSigner.Now(time), requestMac).Status;
            return new DnsReply(message, tsig);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"{server} did not answer within {_timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            throw new IOException($"{server}: {e.Message}", e);
        }
    }

    private async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException($"{server} closed the connection before answering");
            }

            buffer = buffer[read..];
        }
    }
}
