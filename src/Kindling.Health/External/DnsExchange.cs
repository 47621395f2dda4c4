using System.Net;
using System.Net.Sockets;
using Kindling.Dns;
using Kindling.Dns.Client;
using Kindling.Dns.Tsig;

namespace Kindling.Health.External;

/// <summary>A DNS server's reply, with the outcome of checking its TSIG when the request was signed.</summary>
public sealed record DnsReply(DnsMessage Message, TsigStatus Tsig);

/// <summary>
/// Sends one request to a DNS server over TCP (RFC 7766, through <see cref="DnsClient"/>) and reads the reply; with a
/// key, signs the request with TSIG and checks the reply's TSIG (RFC 8945 §5.3, §5.4).
/// TCP, not UDP: an UPDATE must not be lost or duplicated by a retry.
/// </summary>
public sealed class DnsExchange(IPEndPoint server, TsigKey? key, TimeProvider time, TimeSpan? timeout = null)
{
    private readonly DnsClient _client = new(server, timeout ?? TimeSpan.FromSeconds(5));

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

        byte[] reply;
        try
        {
            reply = await _client.ExchangeTcpAsync(buffer.AsMemory(0, length), cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new IOException(e.Message, e);
        }
        catch (SocketException e)
        {
            throw new IOException($"{server}: {e.Message}", e);
        }

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
}
