using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Kindling.Artifacts.Http.Common;

/// <summary>
/// Request counters, bytes and a latency histogram per service and route, kept with interlocked adds (no lock
/// on the request path) and written in the Prometheus text exposition format (version 0.0.4).
/// </summary>
internal sealed class RequestMetrics
{
    private static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly ConcurrentDictionary<RequestKey, Counter> _requests = new();
    private readonly ConcurrentDictionary<RouteKey, Histogram> _latency = new();

    public void Record(string service, string route, string method, int status, long bytesIn, long bytesOut, long startTimestamp)
    {
        var counter = _requests.GetOrAdd(new RequestKey(service, route, method, status), static _ => new Counter());
        Interlocked.Increment(ref counter.Count);
        if (bytesIn > 0)
        {
            Interlocked.Add(ref counter.BytesIn, bytesIn);
        }

        if (bytesOut > 0)
        {
            Interlocked.Add(ref counter.BytesOut, bytesOut);
        }

        var seconds = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        var histogram = _latency.GetOrAdd(new RouteKey(service, route), static _ => new Histogram());
        var bucket = 0;
        while (bucket < Buckets.Length && seconds > Buckets[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref histogram.Counts[bucket]);
        Interlocked.Add(ref histogram.MicrosecondsSum, (long)(seconds * 1_000_000));
    }

    /// <summary>Requests counted so far for a route (tests and /healthz use it).</summary>
    public long Count(string service, string route) =>
        _requests.Where(p => p.Key.Service == service && p.Key.Route == route).Sum(p => Interlocked.Read(ref p.Value.Count));

    public void Write(StringBuilder text)
    {
        var requests = _requests.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).ToList();
        text.Append("# HELP kindling_http_requests_total HTTP requests answered, by service, route, method and status.\n");
        text.Append("# TYPE kindling_http_requests_total counter\n");
        foreach (var (key, counter) in requests)
        {
            text.Append($"kindling_http_requests_total{{service=\"{key.Service}\",route=\"{key.Route}\",method=\"{key.Method}\",code=\"{key.Status}\"}} {Interlocked.Read(ref counter.Count)}\n");
        }

        WriteBytes(text, requests, "kindling_http_response_bytes_total", "Bytes of response bodies sent.", c => c.BytesOut);
        WriteBytes(text, requests, "kindling_http_request_bytes_total", "Bytes of request bodies received.", c => c.BytesIn);

        text.Append("# HELP kindling_http_request_duration_seconds Time to answer a request, by service and route.\n");
        text.Append("# TYPE kindling_http_request_duration_seconds histogram\n");
        foreach (var (key, histogram) in _latency.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            var labels = $"service=\"{key.Service}\",route=\"{key.Route}\"";
            long cumulative = 0;
            for (var i = 0; i < Buckets.Length; i++)
            {
                cumulative += Interlocked.Read(ref histogram.Counts[i]);
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"kindling_http_request_duration_seconds_bucket{{{labels},le=\"{Buckets[i]}\"}} {cumulative}\n");
            }

            cumulative += Interlocked.Read(ref histogram.Counts[Buckets.Length]);
            text.Append($"kindling_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {cumulative}\n");
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"kindling_http_request_duration_seconds_sum{{{labels}}} {Interlocked.Read(ref histogram.MicrosecondsSum) / 1e6}\n");
            text.Append($"kindling_http_request_duration_seconds_count{{{labels}}} {cumulative}\n");
        }
    }

    private static void WriteBytes(StringBuilder text, List<KeyValuePair<RequestKey, Counter>> requests, string metric, string help, Func<Counter, long> value)
    {
        text.Append($"# HELP {metric} {help}\n# TYPE {metric} counter\n");
        foreach (var group in requests.GroupBy(p => new RouteKey(p.Key.Service, p.Key.Route)))
        {
            text.Append($"{metric}{{service=\"{group.Key.Service}\",route=\"{group.Key.Route}\"}} {group.Sum(p => value(p.Value))}\n");
        }
    }

    private readonly record struct RequestKey(string Service, string Route, string Method, int Status);

    private readonly record struct RouteKey(string Service, string Route);

    private sealed class Counter
    {
        public long Count;
        public long BytesIn;
        public long BytesOut;
    }

    private sealed class Histogram
    {
        public readonly long[] Counts = new long[Buckets.Length + 1];
        public long MicrosecondsSum;
    }
}
