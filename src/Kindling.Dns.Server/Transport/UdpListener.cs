using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Kindling.Dns.Server.Answering;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server.Transport;

/// <summary>
/// Serves DNS over UDP (RFC 1035 §4.2.1) on one address with dedicated threads that block in the kernel: batched
/// <c>recvmmsg</c>/<c>sendmmsg</c> on Linux, each thread on its own socket of a <c>SO_REUSEPORT</c> group (the kernel
/// spreads clients over the sockets by address hash, so threads do not contend for one receive queue);
/// <c>Socket.ReceiveFrom</c> on one shared socket elsewhere (set <c>KINDLING_DNS_UDP=portable</c> to force it). Buffers
/// are allocated once per thread; a query on the hot path allocates nothing. Messages the hot path hands over (UPDATE,
/// NOTIFY, zone-transfer questions, TSIG) go through a bounded queue to a fixed set of workers the listener owns and
/// awaits on shutdown; when the queue is full the message is dropped (the client retries) and counted in
/// <c>kindling_dns_udp_special_dropped_total</c>, as BIND drops an UPDATE beyond its <c>update-quota</c> (default 100
/// outstanding). The bound here: <see cref="SpecialWorkers"/> running plus <see cref="SpecialQueueCapacity"/> waiting.
/// </summary>
internal sealed class UdpListener : IDisposable
{
    private const int Batch = 32;
    private const int BufferSize = 8192;

    // Buffers of a batch lie one cache line more than BufferSize apart: at exactly 8192 every buffer's first line fell
    // into the same L1 set (a 32 KiB 8-way cache repeats its sets every 4 KiB), so a batch of up to 32 queries and 32
    // answers, 8 lines per set, kept evicting itself.
    private const int SlotStride = BufferSize + 64;
    private const int AddressSize = 28; // sockaddr_in6, large enough for sockaddr_in too

    /// <summary>Special messages waiting for a worker; more are dropped.</summary>
    public const int SpecialQueueCapacity = 256;

    /// <summary>Workers handling special messages concurrently (UPDATEs are serialised by the zone store anyway).</summary>
    public const int SpecialWorkers = 4;

    private readonly Socket _socket;
    private readonly List<Socket> _sockets = [];
    private readonly bool _batched = LinuxDatagrams.Supported;
    private readonly QueryAnswerer _answerer;
    private readonly ILogger _logger;
    private readonly List<Thread> _threads = [];
    private readonly List<UdpThreadCounters> _counters = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly int _threadCount;
    private readonly Channel<(byte[] Packet, IPEndPoint Remote)> _special =
        Channel.CreateBounded<(byte[], IPEndPoint)>(new BoundedChannelOptions(SpecialQueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
    private readonly List<Task> _workers = [];

    public UdpListener(IPEndPoint endpoint, QueryAnswerer answerer, ILogger logger, int threads = 0, DnsMetrics? metrics = null)
    {
        _answerer = answerer;
        _logger = logger;
        Metrics = metrics ?? new DnsMetrics();
        _threadCount = threads > 0 ? threads : DefaultThreads(Environment.ProcessorCount);
        var reusePort = _batched && _threadCount > 1;
        if (reusePort)
        {
            // SO_REUSEPORT would let a second server (of the same user) join this address silently: an exclusive bind
            // first keeps "address in use" an error, and settles the port when the endpoint asks for any (port 0).
            using var probe = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                probe.DualMode = false;
            }

            probe.Bind(endpoint);
            endpoint = (IPEndPoint)probe.LocalEndPoint!;
        }

        _socket = Open(endpoint, reusePort);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>
    /// UDP threads per address when <c>--udp-threads</c> is not given: half the cores the process may run on, at least
    /// one. A DNS server rarely has the machine to itself (the load, other services, on a bootstrap node the
    /// installer), and issue 14 measured one thread on a 2-core machine shared with the load generator answering
    /// 1.45-1.58x BIND where one thread per core lost half of that to contention. See docs/benchmarks.md for what
    /// confirms or refutes this rule on a quiet machine.
    /// </summary>
    public static int DefaultThreads(int processors) => Math.Max(1, processors / 2);

    private unsafe Socket Open(IPEndPoint endpoint, bool reusePort)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.ReceiveBufferSize = 4 << 20;
            socket.SendBufferSize = 4 << 20;
            if (reusePort)
            {
                var on = 1;
                if (LinuxDatagrams.SetSockOpt((int)socket.Handle, LinuxDatagrams.SolSocket, LinuxDatagrams.SoReusePort, &on, sizeof(int)) != 0)
                {
                    throw new SocketException(Marshal.GetLastPInvokeError());
                }
            }

            socket.Bind(endpoint);
            _sockets.Add(socket);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public IPEndPoint LocalEndPoint { get; }

    public DnsMetrics Metrics { get; }

    public unsafe void Start()
    {
        if (_batched)
        {
            for (var i = 1; i < _threadCount; i++)
            {
                Open(LocalEndPoint, reusePort: true);
            }

            // A receive timeout lets blocked threads notice shutdown.
            var timeout = new LinuxDatagrams.TimeVal { Seconds = 0, Microseconds = 250_000 };
            foreach (var socket in _sockets)
            {
                LinuxDatagrams.SetSockOpt((int)socket.Handle, LinuxDatagrams.SolSocket, LinuxDatagrams.SoRcvTimeo, &timeout, (uint)sizeof(LinuxDatagrams.TimeVal));
            }
        }
        else
        {
            _socket.ReceiveTimeout = 250;
        }

        for (var i = 0; i < SpecialWorkers; i++)
        {
            _workers.Add(Task.Run(HandleSpecialAsync));
        }

        for (var i = 0; i < _threadCount; i++)
        {
            var socket = _batched ? _sockets[i] : _socket;
            var counters = Metrics.AddUdpThread();
            _counters.Add(counters);
            var thread = _batched
                ? new Thread(() => RunBatched(socket, counters)) { IsBackground = true, Name = $"dns-udp-{LocalEndPoint}-{i}" }
                : new Thread(RunPortable) { IsBackground = true, Name = $"dns-udp-{LocalEndPoint}-{i}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    private unsafe void RunBatched(Socket socket, UdpThreadCounters counters)
    {
        var receive = GC.AllocateArray<byte>(Batch * SlotStride, pinned: true);
        var send = GC.AllocateArray<byte>(Batch * SlotStride, pinned: true);
        var names = GC.AllocateArray<byte>(Batch * AddressSize, pinned: true);
        var vectors = GC.AllocateArray<LinuxDatagrams.IoVec>(Batch * 2, pinned: true);
        var inbound = GC.AllocateArray<LinuxDatagrams.MMsgHdr>(Batch, pinned: true);
        var outbound = GC.AllocateArray<LinuxDatagrams.MMsgHdr>(Batch, pinned: true);
        var fd = (int)socket.Handle;
        fixed (byte* receiveBase = receive, sendBase = send, nameBase = names)
        fixed (LinuxDatagrams.IoVec* iov = vectors)
        fixed (LinuxDatagrams.MMsgHdr* inMessages = inbound, outMessages = outbound)
        {
            PointAtBuffers(receiveBase, sendBase, nameBase, iov, inMessages, outMessages);
            while (!_stop.IsCancellationRequested)
            {
                for (var i = 0; i < Batch; i++)
                {
                    inMessages[i].Header.NameLength = AddressSize;
                    inMessages[i].Header.Flags = 0;
                }

                var received = LinuxDatagrams.RecvMmsg(fd, inMessages, Batch, LinuxDatagrams.MsgWaitForOne, null);
                if (received <= 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (received < 0 && errno is not (LinuxDatagrams.EAgain or LinuxDatagrams.EIntr) && !_stop.IsCancellationRequested)
                    {
                        _logger.LogWarning("UDP receive on {EndPoint} failed: errno {Errno}", LocalEndPoint, errno);
                        Thread.Sleep(10);
                    }

                    continue;
                }

                counters.Received(received);
                var replies = AnswerBatch(received, receiveBase, sendBase, iov, inMessages, outMessages);
                SendReplies(fd, outMessages, replies);
            }
        }
    }

    // Slot i of the batch: receive buffer, sender address and outgoing buffer; the iovecs of replies follow those of queries.
    private static unsafe void PointAtBuffers(byte* receiveBase, byte* sendBase, byte* nameBase, LinuxDatagrams.IoVec* iov,
        LinuxDatagrams.MMsgHdr* inMessages, LinuxDatagrams.MMsgHdr* outMessages)
    {
        for (var i = 0; i < Batch; i++)
        {
            iov[i].Base = receiveBase + (i * SlotStride);
            iov[i].Length = BufferSize;
            inMessages[i].Header.Iov = &iov[i];
            inMessages[i].Header.IovLength = 1;
            inMessages[i].Header.Name = nameBase + (i * AddressSize);
            iov[Batch + i].Base = sendBase + (i * SlotStride);
            outMessages[i].Header.Iov = &iov[Batch + i];
            outMessages[i].Header.IovLength = 1;
        }
    }

    // Answers the datagrams received, packing the replies into the first slots of the outgoing batch (each addressed to
    // its query's sender); special messages go to the workers. Returns the number of replies.
    private unsafe int AnswerBatch(int received, byte* receiveBase, byte* sendBase, LinuxDatagrams.IoVec* iov, LinuxDatagrams.MMsgHdr* inMessages,
        LinuxDatagrams.MMsgHdr* outMessages)
    {
        var replies = 0;
        for (var i = 0; i < received; i++)
        {
            var packet = new ReadOnlySpan<byte>(receiveBase + (i * SlotStride), (int)Math.Min(inMessages[i].Length, BufferSize));
            var response = new Span<byte>(sendBase + (replies * SlotStride), BufferSize);
            var outcome = Answer(packet, response, out var length);
            if (outcome == AnswerOutcome.Special)
            {
                var address = new ReadOnlySpan<byte>(inMessages[i].Header.Name, (int)inMessages[i].Header.NameLength);
                HandOff(packet, ToEndPoint(address));
                continue;
            }

            if (outcome != AnswerOutcome.Respond)
            {
                continue;
            }

            outMessages[replies].Header.Name = inMessages[i].Header.Name;
            outMessages[replies].Header.NameLength = inMessages[i].Header.NameLength;
            iov[Batch + replies].Length = (nuint)length;
            replies++;
        }

        return replies;
    }

    private static unsafe void SendReplies(int fd, LinuxDatagrams.MMsgHdr* outMessages, int replies)
    {
        var offset = 0;
        while (offset < replies)
        {
            var sent = LinuxDatagrams.SendMmsg(fd, outMessages + offset, (uint)(replies - offset), 0);
            if (sent <= 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxDatagrams.EIntr)
                {
                    continue;
                }

                offset++; // skip the datagram the kernel refused (e.g. unreachable), keep the rest
                continue;
            }

            offset += sent;
        }
    }

    private void RunPortable()
    {
        var receive = new byte[BufferSize];
        var send = new byte[BufferSize];
        var address = new SocketAddress(_socket.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(receive, SocketFlags.None, address);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.ConnectionReset or SocketError.Interrupted)
            {
                continue;
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            var outcome = Answer(receive.AsSpan(0, received), send, out var length);
            if (outcome == AnswerOutcome.Special)
            {
                HandOff(receive.AsSpan(0, received), (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(address));
            }
            else if (outcome == AnswerOutcome.Respond)
            {
                try
                {
                    _socket.SendTo(send.AsSpan(0, length), SocketFlags.None, address);
                }
                catch (SocketException)
                {
                }
            }
        }
    }

    private AnswerOutcome Answer(ReadOnlySpan<byte> packet, Span<byte> response, out int length)
    {
        try
        {
            return _answerer.Answer(packet, response, tcp: false, out length);
        }
        catch (Exception e)
        {
            // A bug must not stop the listener; it is logged and the query dropped (the client retries or fails over).
            _logger.LogError(e, "answering a UDP query failed");
            length = 0;
            return AnswerOutcome.Drop;
        }
    }

    private void HandOff(ReadOnlySpan<byte> packet, IPEndPoint remote)
    {
        if (_answerer.Special is null)
        {
            return;
        }

        if (!_special.Writer.TryWrite((packet.ToArray(), remote)))
        {
            Metrics.SpecialDropped();
        }
    }

    private async Task HandleSpecialAsync()
    {
        try
        {
            await foreach (var (packet, remote) in _special.Reader.ReadAllAsync(_stop.Token))
            {
                try
                {
                    await _answerer.Special!.HandleAsync(packet, remote, tcp: false, async reply =>
                    {
                        if (reply.Length <= BufferSize)
                        {
                            await _socket.SendToAsync(reply, SocketFlags.None, remote, _stop.Token);
                        }
                    }, _stop.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "handling a UDP message from {Remote} failed", remote);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static IPEndPoint ToEndPoint(ReadOnlySpan<byte> sockaddr)
    {
        var family = BitConverter.ToUInt16(sockaddr);
        var port = (sockaddr[2] << 8) | sockaddr[3];
        return family == 2
            ? new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), port)
            : new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16)), port);
    }

    public void Dispose()
    {
        _special.Writer.TryComplete();
        _stop.Cancel();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }

        var calls = _counters.Sum(c => c.ReceiveCalls);
        if (calls > 0)
        {
            var datagrams = _counters.Sum(c => c.Datagrams);
            _logger.LogInformation("UDP {EndPoint}: {Datagrams} datagrams in {Calls} batched receive calls (mean batch {Batch:F1})",
                LocalEndPoint, datagrams, calls, (double)datagrams / calls);
        }

        try
        {
            Task.WaitAll([.. _workers], TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // A worker's failure was logged where it happened.
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _stop.Dispose();
    }
}
