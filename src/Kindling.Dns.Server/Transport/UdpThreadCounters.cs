using System.Runtime.InteropServices;

namespace Kindling.Dns.Server.Transport;

/// <summary>
/// One UDP thread's receive counters: written by that thread alone with plain stores (no atomic instruction on the hot
/// path), read by <see cref="DnsMetrics"/>. The counters sit in the middle of 192 octets so that two threads' counters
/// never share a cache line.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal sealed class UdpThreadCounters
{
    [FieldOffset(64)]
    private long _receiveCalls;

    [FieldOffset(72)]
    private long _datagrams;

    /// <summary><c>recvmmsg</c> calls that returned at least one datagram.</summary>
    public long ReceiveCalls => Volatile.Read(ref _receiveCalls);

    /// <summary>Datagrams those calls returned.</summary>
    public long Datagrams => Volatile.Read(ref _datagrams);

    /// <summary>Counts one receive call that returned <paramref name="datagrams"/> datagrams (the owning thread only).</summary>
    public void Received(int datagrams)
    {
        Volatile.Write(ref _receiveCalls, _receiveCalls + 1);
        Volatile.Write(ref _datagrams, _datagrams + datagrams);
    }
}
