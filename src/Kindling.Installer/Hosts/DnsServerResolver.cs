using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Kindling.Installer.Hosts;

/// <summary>
/// Asks one DNS server (the seed's dnsServer, given as <c>--dns ADDR:PORT</c>) for a name's A and AAAA records over
/// UDP (RFC 1035 §4.2.1), bypassing /etc/hosts so the check sees what the cluster's clients see.
/// </summary>
public sealed class DnsServerResolver(IPEndPoint server, TimeSpan? timeout = null) : IHostResolver
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(2);

    public string Description => $"the DNS server {server}";

    public async Task<Resolution> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        var addresses = new List<IPAddress>();
        string? failure = null;
        foreach (var type in new ushort[] { 1, 28 })
        {
            var (found, error) = await QueryAsync(name, type, cancellationToken);
            addresses.AddRange(found);
            failure ??= error;
        }

        return addresses.Count > 0 ? Resolution.Of(addresses) : Resolution.Failed(failure ?? "no A or AAAA records");
    }

    private async Task<(List<IPAddress> Addresses, string? Error)> QueryAsync(string name, ushort type, CancellationToken cancellationToken)
    {
        var id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue);
        var query = BuildQuery(id, name, type);
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_timeout);
        try
        {
            await socket.ConnectAsync(server, cts.Token);
            await socket.SendAsync(query, SocketFlags.None, cts.Token);
            var buffer = new byte[4096];
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n >= 12 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id)
                {
                    try
                    {
                        return ParseAnswer(buffer.AsSpan(0, n), type);
                    }
                    catch (ArgumentOutOfRangeException)
                    {
                        return ([], $"{server} sent a malformed answer");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ([], $"no answer from {server} within {_timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            return ([], $"{server}: {e.Message}");
        }
    }

    internal static byte[] BuildQuery(ushort id, string name, ushort type)
    {
        var labels = name.TrimEnd('.').Split('.');
        var buffer = new byte[12 + labels.Sum(l => Encoding.ASCII.GetByteCount(l) + 1) + 1 + 4];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, id);
        buffer[2] = 0x01; // RD
        buffer[5] = 1; // QDCOUNT
        var offset = 12;
        foreach (var label in labels)
        {
            var count = Encoding.ASCII.GetBytes(label, buffer.AsSpan(offset + 1));
            buffer[offset] = (byte)count;
            offset += count + 1;
        }

        buffer[offset++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset), type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset + 2), 1); // IN
        return buffer;
    }

    internal static (List<IPAddress>, string?) ParseAnswer(ReadOnlySpan<byte> message, ushort type)
    {
        var rcode = message[3] & 0x0F;
        if (rcode == 3)
        {
            return ([], "NXDOMAIN (no such name)");
        }

        if (rcode != 0)
        {
            return ([], $"the server answered rcode {rcode}");
        }

        var questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        var answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        var offset = 12;
        for (var i = 0; i < questions; i++)
        {
            offset = SkipName(message, offset) + 4;
        }

        var result = new List<IPAddress>();
        for (var i = 0; i < answers; i++)
        {
            offset = SkipName(message, offset);
            var rrType = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            var data = message.Slice(offset + 10, length);
            if (rrType == type && (length == 4 || length == 16))
            {
                result.Add(new IPAddress(data));
            }

            offset += 10 + length;
        }

        return (result, result.Count == 0 ? "no address records" : null);
    }

    private static int SkipName(ReadOnlySpan<byte> message, int offset)
    {
        while (true)
        {
            var length = message[offset];
            if (length == 0)
            {
                return offset + 1;
            }

            if ((length & 0xC0) == 0xC0)
            {
                return offset + 2;
            }

            offset += length + 1;
        }
    }
}
