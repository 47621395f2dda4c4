using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Config;
using Kindling.Dns.Client;

namespace Kindling.Dns.Server.Update;

/// <summary>
/// BIND's <c>allow-update-forwarding</c>: an UPDATE for a secondary zone, from a client the list admits, is sent to the
/// zone's primaries (in order, over TCP, from this server's address) exactly as received, TSIG and all, and the
/// primary's reply is relayed unchanged, so the client verifies the primary's signature and the primary's
/// <c>allow-update</c> decides. The change comes back to this server by NOTIFY and transfer.
/// </summary>
internal static class UpdateForwarder
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The primary's reply octets, or null when no primary answered (the caller answers SERVFAIL).</summary>
    public static async Task<(byte[]? Reply, string Detail)> ForwardAsync(ReadOnlyMemory<byte> update, ZoneConfig zone, IPAddress? source, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var primary in zone.Primaries)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(Timeout);
            try
            {
                using var socket = new Socket(primary.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                if (source is not null && source.AddressFamily == primary.Address.AddressFamily)
                {
                    socket.Bind(new IPEndPoint(source, 0));
                }

                await socket.ConnectAsync(primary.EndPoint, timer.Token);
                await DnsClient.WriteFramedAsync(socket, update, timer.Token);
                var reply = await DnsClient.ReadFramedAsync(socket, timer.Token);
                if (reply is { Length: >= 12 } && reply[0] == update.Span[0] && reply[1] == update.Span[1])
                {
                    return (reply, $"forwarded to {primary.EndPoint}");
                }

                failures.Add($"{primary.EndPoint}: no matching reply");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add($"{primary.EndPoint}: no reply within {Timeout.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                failures.Add($"{primary.EndPoint}: {(e is SocketException s ? s.SocketErrorCode.ToString() : e.Message)}");
            }
        }

        return (null, "no primary took the forwarded UPDATE: " + string.Join("; ", failures));
    }
}
