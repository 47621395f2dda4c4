namespace Kindling.Health.Observability;

/// <summary>A Prometheus-style cumulative histogram of probe latencies (seconds), updated without locks.</summary>
public sealed class LatencyHistogram
{
    /// <summary>Upper bounds in seconds: from loopback (sub-millisecond) to the longest sensible timeout.</summary>
    public static readonly double[] Bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly long[] _counts = new long[Bounds.Length + 1];
    private long _sumMicroseconds;

    public void Observe(TimeSpan latency)
    {
        var seconds = latency.TotalSeconds;
        var index = Array.FindIndex(Bounds, b => seconds <= b);
        Interlocked.Increment(ref _counts[index < 0 ? Bounds.Length : index]);
        Interlocked.Add(ref _sumMicroseconds, (long)(latency.Ticks / 10.0));
    }

    /// <summary>Cumulative counts per bound, then the total (the <c>+Inf</c> bucket).</summary>
    public (long[] Cumulative, long Count, double SumSeconds) Read()
    {
        var cumulative = new long[Bounds.Length + 1];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Interlocked.Read(ref _counts[i]);
            cumulative[i] = running;
        }

        return (cumulative, running, Interlocked.Read(ref _sumMicroseconds) / 1e6);
    }
}
