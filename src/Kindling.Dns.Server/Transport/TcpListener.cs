using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Server.Answering;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server.Transport;

/// <summary>
/// Serves DNS over TCP (RFC 1035 §4.2.2, RFC 7766): two-octet length prefix, several queries per connection answered in
/// order, an idle timeout, a cap on open connections. Zone transfers and other special messages may send several
/// responses on one connection.
/// </summary>
public sealed class DnsTcpListener : IDisposable
{
    private readonly Socket _socket;
    private readonly QueryAnswerer _answerer;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _idleTimeout;
    private readonly int _maxConnections;
    private int _connections;
    private Task? _accepting;

    public DnsTcpListener(IPEndPoint endpoint, QueryAnswerer answerer, ILogger logger, TimeSpan? idleTimeout = null, int maxConnections = 1000)
    {
        _answerer = answerer;
        _logger = logger;
        _idleTimeout = idleTimeout ?? TimeSpan.FromSeconds(30);
        _maxConnections = maxConnections;
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            _socket.DualMode = false;
        }

        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(endpoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public void Start()
    {
        _socket.Listen(512);
        _accepting = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _logger.LogWarning("TCP accept on {EndPoint} failed: {Error}", LocalEndPoint, e.SocketErrorCode);
                continue;
            }

            if (Interlocked.Increment(ref _connections) > _maxConnections)
            {
                Interlocked.Decrement(ref _connections);
                client.Dispose();
                continue;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        var request = new byte[ushort.MaxValue];
        var response = new byte[ushort.MaxValue + 2];
        var prefix = new byte[2];
        var writeLock = new SemaphoreSlim(1, 1);
        try
        {
            client.NoDelay = true;
            while (!_stop.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                idle.CancelAfter(_idleTimeout);
                if (!await ReadExactlyAsync(client, prefix, idle.Token))
                {
                    return;
                }

                var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
                if (length == 0 || !await ReadExactlyAsync(client, request.AsMemory(0, length), idle.Token))
                {
                    return;
                }

                var outcome = Answer(request.AsSpan(0, length), response.AsSpan(2), out var responseLength);
                if (outcome == AnswerOutcome.Special && _answerer.Special is { } handler)
                {
                    await handler.HandleAsync(request.AsMemory(0, length).ToArray(), remote, tcp: true,
                        reply => SendAsync(client, reply, writeLock), _stop.Token);
                    continue;
                }

                if (outcome != AnswerOutcome.Respond)
                {
                    continue;
                }

                BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)responseLength);
                await client.SendAsync(response.AsMemory(0, responseLength + 2), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away, idled out, or the server is stopping.
        }
        catch (Exception e)
        {
            _logger.LogError(e, "TCP connection from {Remote} failed", remote);
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
            client.Dispose();
            writeLock.Dispose();
        }
    }

    private static async ValueTask SendAsync(Socket client, ReadOnlyMemory<byte> reply, SemaphoreSlim writeLock)
    {
        var framed = new byte[reply.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
        reply.CopyTo(framed.AsMemory(2));
        await writeLock.WaitAsync();
        try
        {
            await client.SendAsync(framed, SocketFlags.None);
        }
        finally
        {
            writeLock.Release();
        }
    }

    private AnswerOutcome Answer(ReadOnlySpan<byte> packet, Span<byte> response, out int length)
    {
        try
        {
            return _answerer.Answer(packet, response, tcp: true, out length);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "answering a TCP query failed");
            length = 0;
            return AnswerOutcome.Drop;
        }
    }

    private static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
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

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _accepting?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}
