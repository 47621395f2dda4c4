using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Client;
using Kindling.Dns.Server.Answering;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server.Transport;

/// <summary>
/// Serves DNS over TCP (RFC 1035 §4.2.2, RFC 7766): two-octet length prefix, several queries per connection answered in
/// order. Zone transfers and other special messages may send several responses on one connection. Bounded as
/// <see cref="TcpLimits"/> describes: a cap on open connections and on connections per client address, an idle timeout
/// (which also bounds how long one message may take to arrive), a send timeout, and, when full, the longest-idle
/// connection closed so a new client is always served.
/// </summary>
internal sealed class DnsTcpListener : IDisposable
{
    private readonly Socket _socket;
    private readonly QueryAnswerer _answerer;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TcpLimits _limits;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly HashSet<Connection> _open = [];
    private readonly Dictionary<IPAddress, int> _perClient = [];
    private long _idleSequence;
    private Task? _accepting;

    public DnsTcpListener(IPEndPoint endpoint, QueryAnswerer answerer, ILogger logger, TcpLimits? limits = null, DnsMetrics? metrics = null,
        TimeProvider? time = null)
    {
        _answerer = answerer;
        _logger = logger;
        _limits = limits ?? new TcpLimits();
        _limits.Validate();
        _time = time ?? TimeProvider.System;
        Metrics = metrics ?? new DnsMetrics();
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

    public DnsMetrics Metrics { get; }

    public void Start()
    {
        _socket.Listen(1024);
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

            var connection = Admit(client);
            if (connection is null)
            {
                client.Dispose();
                continue;
            }

            _ = ServeAsync(connection);
        }
    }

    // Under the lock: the per-client cap, then the global cap, closing the longest-idle connection when full.
    private Connection? Admit(Socket client)
    {
        if (ClientAddress(client) is not { } address)
        {
            return null; // already reset by the peer
        }

        Connection? evicted = null;
        Connection admitted;
        lock (_lock)
        {
            var count = _perClient.GetValueOrDefault(address);
            if (count >= _limits.MaxConnectionsPerClient)
            {
                Metrics.RefusedPerClient();
                return null;
            }

            if (_open.Count >= _limits.MaxConnections)
            {
                evicted = LongestIdle();
                if (evicted is null)
                {
                    Metrics.RefusedFull();
                    return null;
                }

                Remove(evicted);
                evicted.Evicted = true;
            }

            admitted = new Connection(client, address, _time) { IdleSince = ++_idleSequence };
            _open.Add(admitted);
            _perClient[address] = count + 1;
        }

        if (evicted is not null)
        {
            Metrics.EvictedIdle();
            evicted.Close();
        }

        Metrics.Accepted();
        Metrics.Opened();
        return admitted;
    }

    // The client's address, IPv4-mapped addresses as IPv4 (so both count as one client); null when the peer already
    // reset the connection.
    private static IPAddress? ClientAddress(Socket client)
    {
        IPAddress address;
        try
        {
            address = ((IPEndPoint)client.RemoteEndPoint!).Address;
        }
        catch (SocketException)
        {
            return null;
        }

        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    // Under the lock: the open connection idle the longest (waiting for a query), or null when none is idle.
    private Connection? LongestIdle()
    {
        Connection? longest = null;
        foreach (var c in _open)
        {
            var idle = Volatile.Read(ref c.IdleSince);
            if (idle > 0 && (longest is null || idle < longest.IdleSince))
            {
                longest = c;
            }
        }

        return longest;
    }

    private void Remove(Connection connection)
    {
        if (!_open.Remove(connection))
        {
            return;
        }

        var left = _perClient[connection.Address] - 1;
        if (left == 0)
        {
            _perClient.Remove(connection.Address);
        }
        else
        {
            _perClient[connection.Address] = left;
        }
    }

    private async Task ServeAsync(Connection connection)
    {
        var client = connection.Socket;
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        var request = new byte[ushort.MaxValue];
        var response = new byte[ushort.MaxValue + 2];
        var prefix = new byte[2];
        var writeLock = new SemaphoreSlim(1, 1);
        var token = connection.Deadline.Token;
        using var stopping = _stop.Token.UnsafeRegister(static c => ((Connection)c!).Close(), connection);
        try
        {
            client.NoDelay = true;
            while (!_stop.IsCancellationRequested)
            {
                // Idle: waiting for the next query, which must arrive whole within the idle timeout.
                connection.Deadline.CancelAfter(_limits.IdleTimeout);
                Volatile.Write(ref connection.IdleSince, Interlocked.Increment(ref _idleSequence));
                if (!await DnsClient.ReadExactlyAsync(client, prefix, token))
                {
                    return;
                }

                Volatile.Write(ref connection.IdleSince, 0);
                var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
                if (length == 0 || !await DnsClient.ReadExactlyAsync(client, request.AsMemory(0, length), token))
                {
                    return;
                }

                connection.Deadline.CancelAfter(_limits.SendTimeout);
                var outcome = Answer(request.AsSpan(0, length), response.AsSpan(2), out var responseLength);
                if (outcome == AnswerOutcome.Special && _answerer.Special is { } handler)
                {
                    await handler.HandleAsync(request.AsMemory(0, length).ToArray(), remote, tcp: true,
                        reply => SendAsync(connection, reply, writeLock), token);
                }
                else if (outcome == AnswerOutcome.Respond)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)responseLength);
                    await client.SendAsync(response.AsMemory(0, responseLength + 2), SocketFlags.None, token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away, timed out or was evicted, or the server is stopping.
            CountIfTimedOut(connection);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "TCP connection from {Remote} failed", remote);
        }
        finally
        {
            Release(connection, writeLock);
        }
    }

    // A connection ended by its deadline counts as timed out, unless it was evicted or the server is stopping.
    private void CountIfTimedOut(Connection connection)
    {
        if (connection.Deadline.IsCancellationRequested && !connection.Evicted && !_stop.IsCancellationRequested)
        {
            Metrics.TimedOut();
        }
    }

    // Forgets the connection (freeing its place under the caps) and disposes its socket, deadline and write lock.
    private void Release(Connection connection, SemaphoreSlim writeLock)
    {
        lock (_lock)
        {
            Remove(connection);
        }

        Metrics.Closed();
        connection.Socket.Dispose();
        connection.Deadline.Dispose();
        writeLock.Dispose();
    }

    // One message of a special handler's answer (zone transfers send many): each gets the send timeout afresh.
    private async ValueTask SendAsync(Connection connection, ReadOnlyMemory<byte> reply, SemaphoreSlim writeLock)
    {
        var framed = new byte[reply.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
        reply.CopyTo(framed.AsMemory(2));
        var token = connection.Deadline.Token;
        await writeLock.WaitAsync(token);
        try
        {
            connection.Deadline.CancelAfter(_limits.SendTimeout);
            await connection.Socket.SendAsync(framed, SocketFlags.None, token);
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

    /// <summary>One open connection: its socket, client address, deadline (idle or send timeout, eviction) and idle order.</summary>
    private sealed class Connection(Socket socket, IPAddress address, TimeProvider time)
    {
        /// <summary>When it last started waiting for a query (a sequence number, larger is later); 0 while busy.</summary>
        public long IdleSince;

        public Socket Socket { get; } = socket;

        public IPAddress Address { get; } = address;

        public CancellationTokenSource Deadline { get; } = new(Timeout.InfiniteTimeSpan, time);

        public bool Evicted { get; set; }

        public void Close()
        {
            try
            {
                Deadline.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already closed.
            }
        }
    }
}
