using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Client;

namespace Kindling.Dns.Server.Tests.Differential;

/// <summary>Sends a message from a chosen loopback source address (what an ACL sees), over UDP or TCP.</summary>
public static class SourceBound
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>The first response message, or null when the server answered nothing (UDP timeout, TCP closed).</summary>
    public static async Task<DnsMessage?> ExchangeAsync(IPAddress source, IPEndPoint server, byte[] wire, bool tcp)
    {
        using var timer = new CancellationTokenSource(Timeout);
        using var socket = new Socket(server.AddressFamily, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
        socket.Bind(new IPEndPoint(source, 0));
        try
        {
            await socket.ConnectAsync(server, timer.Token);
            if (tcp)
            {
                await DnsClient.WriteFramedAsync(socket, wire, timer.Token);
                return await DnsClient.ReadFramedAsync(socket, timer.Token) is { } reply ? DnsMessage.Parse(reply) : null;
            }

            await socket.SendAsync(wire, SocketFlags.None, timer.Token);
            var buffer = new byte[ushort.MaxValue];
            while (true)
            {
                var length = await socket.ReceiveAsync(buffer, SocketFlags.None, timer.Token);
                if (length >= 12 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == BinaryPrimitives.ReadUInt16BigEndian(wire))
                {
                    return DnsMessage.Parse(buffer.AsSpan(0, length));
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
