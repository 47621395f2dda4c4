using System.Globalization;
using System.Text;

namespace Kindling.Dns.Server.Transport;

/// <summary>
/// Counters of the DNS server's defences, rendered as Prometheus text on the status endpoint's <c>/metrics</c>
/// (<c>kindling dns serve --http</c>).
/// </summary>
public sealed class DnsMetrics
{
    private long _tcpAccepted;
    private long _tcpRefusedPerClient;
    private long _tcpRefusedFull;
    private long _tcpEvictedIdle;
    private long _tcpTimedOut;
    private long _tcpOpen;
    private long _udpSpecialDropped;
    private readonly List<UdpThreadCounters> _udpThreads = [];

    public long TcpAccepted => Interlocked.Read(ref _tcpAccepted);

    /// <summary>Connections closed at once because their client already had the per-address maximum open.</summary>
    public long TcpRefusedPerClient => Interlocked.Read(ref _tcpRefusedPerClient);

    /// <summary>Connections closed at once because the listener was full and no connection was idle.</summary>
    public long TcpRefusedFull => Interlocked.Read(ref _tcpRefusedFull);

    /// <summary>Idle connections closed to admit a new one when the listener was full.</summary>
    public long TcpEvictedIdle => Interlocked.Read(ref _tcpEvictedIdle);

    /// <summary>Connections closed because a query did not arrive, or a response could not be sent, in time.</summary>
    public long TcpTimedOut => Interlocked.Read(ref _tcpTimedOut);

    public long TcpOpen => Interlocked.Read(ref _tcpOpen);

    /// <summary>UPDATE, NOTIFY, transfer and TSIG messages over UDP dropped because the bounded queue was full.</summary>
    public long UdpSpecialDropped => Interlocked.Read(ref _udpSpecialDropped);

    /// <summary>Batched receive calls (<c>recvmmsg</c>) of all UDP threads that returned datagrams.</summary>
    public long UdpReceiveCalls => SumUdp(static c => c.ReceiveCalls);

    /// <summary>Datagrams those calls returned: divided by <see cref="UdpReceiveCalls"/>, the batch size achieved.</summary>
    public long UdpDatagramsReceived => SumUdp(static c => c.Datagrams);

    internal UdpThreadCounters AddUdpThread()
    {
        var counters = new UdpThreadCounters();
        lock (_udpThreads)
        {
            _udpThreads.Add(counters);
        }

        return counters;
    }

    private long SumUdp(Func<UdpThreadCounters, long> value)
    {
        lock (_udpThreads)
        {
            return _udpThreads.Sum(value);
        }
    }

    internal void Accepted() => Interlocked.Increment(ref _tcpAccepted);

    internal void RefusedPerClient() => Interlocked.Increment(ref _tcpRefusedPerClient);

    internal void RefusedFull() => Interlocked.Increment(ref _tcpRefusedFull);

    internal void EvictedIdle() => Interlocked.Increment(ref _tcpEvictedIdle);

    internal void TimedOut() => Interlocked.Increment(ref _tcpTimedOut);

    internal void Opened() => Interlocked.Increment(ref _tcpOpen);

    internal void Closed() => Interlocked.Decrement(ref _tcpOpen);

    internal void SpecialDropped() => Interlocked.Increment(ref _udpSpecialDropped);

    /// <summary>The counters in the Prometheus text format.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        void Metric(string name, string type, string help, long value) =>
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");
        Metric("kindling_dns_tcp_connections_accepted_total", "counter", "DNS TCP connections admitted.", TcpAccepted);
        Metric("kindling_dns_tcp_connections_open", "gauge", "DNS TCP connections open.", TcpOpen);
        Metric("kindling_dns_tcp_refused_per_client_total", "counter", "DNS TCP connections closed at once: the client had the per-address maximum open.", TcpRefusedPerClient);
        Metric("kindling_dns_tcp_refused_full_total", "counter", "DNS TCP connections closed at once: listener full, none idle.", TcpRefusedFull);
        Metric("kindling_dns_tcp_evicted_idle_total", "counter", "Idle DNS TCP connections closed to admit a new one.", TcpEvictedIdle);
        Metric("kindling_dns_tcp_timeouts_total", "counter", "DNS TCP connections closed by the idle or send timeout.", TcpTimedOut);
        Metric("kindling_dns_udp_receive_calls_total", "counter", "Batched UDP receive calls (recvmmsg) that returned datagrams.", UdpReceiveCalls);
        Metric("kindling_dns_udp_datagrams_received_total", "counter", "UDP datagrams received by batched receive calls.", UdpDatagramsReceived);
        Metric("kindling_dns_udp_special_dropped_total", "counter", "UPDATE/NOTIFY/transfer/TSIG messages over UDP dropped: queue full.", UdpSpecialDropped);
        return text.ToString();
    }
}
