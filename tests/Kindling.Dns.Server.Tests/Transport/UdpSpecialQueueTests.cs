using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Dns.Server.Tests.Transport;

/// <summary>
/// Issue 13 item 6 / issue 19: UPDATE, NOTIFY and TSIG messages over UDP go through a bounded queue to a fixed set of
/// workers; a flood is dropped and counted instead of starting a task per packet, and shutdown waits for the workers.
/// </summary>
public sealed class UdpSpecialQueueTests
{
    [Fact]
    public async Task UpdateFlood_AtMostTheWorkersRunAtOnce_TheRestQueuedOrDroppedAndCounted()
    {
        var handler = new BlockingHandler();
        var answerer = new QueryAnswerer(new ZoneTable([])) { Special = handler };
        var listener = new UdpListener(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0), answerer, NullLogger.Instance, threads: 1);
        listener.Start();
        const int Flood = 2000;
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            client.Connect(listener.LocalEndPoint);
            var update = new DnsMessage { Id = 1, Opcode = Opcode.Update };
            update.Questions.Add(new Question(DomainName.Parse("example.test."), RecordType.SOA));
            var wire = update.ToArray();
            for (var i = 0; i < Flood; i++)
            {
                await client.SendAsync(wire, SocketFlags.None, TestContext.Current.CancellationToken);
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        // Until every worker holds a message and the rest is queued or dropped (under load the workers may be scheduled
        // only after the receive loop has filled the queue and dropped the remainder).
        while ((handler.Started < UdpListener.SpecialWorkers
                || handler.Started + listener.Metrics.UdpSpecialDropped + UdpListener.SpecialQueueCapacity < Flood)
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var started = handler.Started;
        var dropped = listener.Metrics.UdpSpecialDropped;
        handler.Release();
        listener.Dispose(); // waits for the workers

        Assert.Equal(UdpListener.SpecialWorkers, started);
        // At most all but a full queue is dropped (when the workers are scheduled only after the burst was received);
        // at least one is, since 2,000 packets cannot all be running or queued.
        Assert.InRange(dropped, 1, Flood - UdpListener.SpecialQueueCapacity);
        Assert.Equal(handler.Started, handler.Finished);
    }

    /// <summary>A special-message handler that holds every message until released (stands in for slow journal writes).</summary>
    private sealed class BlockingHandler : ISpecialMessageHandler
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;
        private int _finished;

        public int Started => Volatile.Read(ref _started);

        public int Finished => Volatile.Read(ref _finished);

        public void Release() => _gate.TrySetResult();

        public async Task HandleAsync(ReadOnlyMemory<byte> message, IPEndPoint remote, bool tcp, Func<ReadOnlyMemory<byte>, ValueTask> send,
            CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _started);
            try
            {
                await _gate.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Increment(ref _finished);
            }
        }
    }
}
