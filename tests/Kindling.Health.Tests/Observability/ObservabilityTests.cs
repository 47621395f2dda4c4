using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kindling.Health.Failover;
using Kindling.Health.Observability;
using Kindling.Health.Tests.Failover;
using Kindling.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Kindling.Health.Tests.Failover.Records;

namespace Kindling.Health.Tests.Observability;

/// <summary>Metrics, JSON status, the HTTP endpoint and the webhook, around a monitor that has failed over once.</summary>
public sealed partial class ObservabilityTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(T0);
    private readonly ScriptedProbe _primary;
    private readonly FailoverMonitor _monitor;

    public ObservabilityTests()
    {
        _primary = new ScriptedProbe(_time, "primary");
        var backup = new ScriptedProbe(_time, "backup");
        _monitor = new FailoverMonitor([Www()], new FailoverMonitorOptions { Time = _time, Probes = (_, side) => side == Side.Primary ? _primary : backup });
    }

    public ValueTask DisposeAsync() => _monitor.DisposeAsync();

    private void FailOver()
    {
        _monitor.Start();
        _time.Advance(TimeSpan.FromSeconds(1));
        _primary.Condition = NodeCondition.Refused;
        for (var i = 0; i < 40; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }
    }

    [Fact]
    public void Metrics_AfterAFailover_ShowTheBackupATransitionAndTheProbes()
    {
        FailOver();

        var text = FailoverMetrics.Render(_monitor);

        Assert.Contains("kindling_failover_active_side{name=\"www.tinder-node-server.com.\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("kindling_failover_transitions_total{name=\"www.tinder-node-server.com.\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("kindling_failover_side_up{name=\"www.tinder-node-server.com.\",side=\"primary\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("kindling_failover_side_up{name=\"www.tinder-node-server.com.\",side=\"backup\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("kindling_failover_hold_down_seconds{name=\"www.tinder-node-server.com.\"} 10\n", text, StringComparison.Ordinal);
        var probes = _primary.Starts.Count;
        Assert.Contains($"kindling_probe_duration_seconds_count{{name=\"www.tinder-node-server.com.\",side=\"primary\"}} {probes}\n", text, StringComparison.Ordinal);
        Assert.Contains($"kindling_probe_duration_seconds_bucket{{name=\"www.tinder-node-server.com.\",side=\"primary\",le=\"+Inf\"}} {probes}\n", text, StringComparison.Ordinal);
        Assert.Contains("kindling_failover_consecutive_failures{name=\"www.tinder-node-server.com.\",side=\"primary\"} 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_EveryLineFollowsTheExpositionFormat_AndBucketsAreCumulative()
    {
        FailOver();

        var lines = FailoverMetrics.Render(_monitor).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.All(lines, l => Assert.Matches(SampleOrComment(), l));
        var buckets = lines.Where(l => l.StartsWith("kindling_probe_duration_seconds_bucket{name=\"www.tinder-node-server.com.\",side=\"backup\"", StringComparison.Ordinal))
            .Select(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(LatencyHistogram.Bounds.Length + 1, buckets.Count);
        Assert.Equal(buckets.Order(), buckets);
    }

    [Fact]
    public void Status_IsJsonNamingTheSideTheReasonAndBothSides()
    {
        FailOver();

        using var json = JsonDocument.Parse(FailoverStatusJson.Render(_monitor.Status()));
        var record = json.RootElement.GetProperty("records")[0];

        Assert.Equal("www.tinder-node-server.com.", record.GetProperty("name").GetString());
        Assert.Equal("backup", record.GetProperty("active").GetString());
        Assert.Equal("auto", record.GetProperty("mode").GetString());
        Assert.Equal("down", record.GetProperty("primary").GetProperty("state").GetString());
        Assert.Equal("connection refused", record.GetProperty("primary").GetProperty("lastDetail").GetString());
        Assert.Equal("127.0.0.3", record.GetProperty("backup").GetProperty("addresses")[0].GetString());
        Assert.StartsWith("on the backup", record.GetProperty("explanation").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoint_ServesMetricsAndStatusOverHttp()
    {
        FailOver();
        var port = FreePort.Tcp("127.0.0.1");
        await using var endpoint = new StatusEndpoint(new IPEndPoint(IPAddress.Loopback, port), _monitor, () => "kindling_dns_queries_total 7\n");
        using var client = new HttpClient();

        using var metrics = await client.GetAsync(new Uri(endpoint.Url, "metrics"), TestContext.Current.CancellationToken);
        var metricsText = await metrics.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var status = await client.GetStringAsync(new Uri(endpoint.Url, "status"), TestContext.Current.CancellationToken);
        var few = await client.GetStringAsync(new Uri(endpoint.Url, "status?checks=2"), TestContext.Current.CancellationToken);
        using var missing = await client.GetAsync(new Uri(endpoint.Url, "nope"), TestContext.Current.CancellationToken);

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType?.ToString());
        Assert.Contains("kindling_failover_active_side{name=\"www.tinder-node-server.com.\"} 1", metricsText, StringComparison.Ordinal);
        Assert.EndsWith("kindling_dns_queries_total 7\n", metricsText, StringComparison.Ordinal);
        Assert.Contains("\"active\": \"backup\"", status, StringComparison.Ordinal);
        using var all = JsonDocument.Parse(status);
        using var trimmed = JsonDocument.Parse(few);
        Assert.True(all.RootElement.GetProperty("records")[0].GetProperty("primary").GetProperty("recentChecks").GetArrayLength() > 2);
        Assert.Equal(2, trimmed.RootElement.GetProperty("records")[0].GetProperty("primary").GetProperty("recentChecks").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public void Status_KeepsTheRecentChecksOfEachSide_AndTheTransitionWithItsReason()
    {
        FailOver();

        using var json = JsonDocument.Parse(FailoverStatusJson.Render(_monitor.Status()));
        var record = json.RootElement.GetProperty("records")[0];
        var checks = record.GetProperty("primary").GetProperty("recentChecks").EnumerateArray().ToList();
        var transitions = record.GetProperty("recentTransitions").EnumerateArray().ToList();

        Assert.True(checks.Count >= 4, $"{checks.Count} checks kept");
        Assert.True(checks[0].GetProperty("ok").GetBoolean());
        Assert.False(checks[^1].GetProperty("ok").GetBoolean());
        Assert.Equal("connection refused", checks[^1].GetProperty("detail").GetString());
        Assert.False(checks[0].TryGetProperty("detail", out _)); // a good check carries no detail, to keep /status small
        var transition = Assert.Single(transitions);
        Assert.Equal("primary", transition.GetProperty("from").GetString());
        Assert.Equal("backup", transition.GetProperty("to").GetString());
        Assert.StartsWith("primary down after 3 consecutive failed checks", transition.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, record.GetProperty("holdDownLeftSeconds").ValueKind); // the primary is down: no failback pending
        Assert.False(record.GetProperty("parityGate").GetBoolean());
    }

    [Fact]
    public async Task Endpoint_ServesTheStatusPageAtTheRoot_SelfContainedUnderAStrictPolicy()
    {
        var port = FreePort.Tcp("127.0.0.1");
        await using var endpoint = new StatusEndpoint(new IPEndPoint(IPAddress.Loopback, port), _monitor);
        using var client = new HttpClient();

        using var page = await client.GetAsync(endpoint.Url, TestContext.Current.CancellationToken);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", string.Join(" ", page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Contains("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""'](?!data:)", html); // nothing loaded from anywhere: no script, style, font or image file
        Assert.DoesNotContain("://", html.Replace("data:,", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_FollowPrometheusNaming_PrefixUnitSuffixAndTotalCounters()
    {
        FailOver();

        var text = FailoverMetrics.Render(_monitor);
        var families = Regex.Matches(text, "^# TYPE ([a-z_]+) ([a-z]+)$", RegexOptions.Multiline).Select(m => (Name: m.Groups[1].Value, Type: m.Groups[2].Value)).ToList();

        Assert.Contains(families, f => f.Name == "kindling_failover_parity_match");
        Assert.Contains(families, f => f.Name == "kindling_failover_hold_down_left_seconds");
        Assert.All(families, f =>
        {
            Assert.StartsWith("kindling_", f.Name, StringComparison.Ordinal);
            Assert.True(f.Type != "counter" || f.Name.EndsWith("_total", StringComparison.Ordinal), $"{f.Name}: a counter ends in _total");
            Assert.DoesNotMatch("_(seconds|bytes)_(?!total$)", f.Name); // the unit is the last word (before _total)
        });
        Assert.Equal(families.Count, families.Select(f => f.Name).Distinct().Count());
    }

    [Fact]
    public async Task Webhook_PostsEachTransitionAsJson()
    {
        var port = FreePort.Tcp("127.0.0.1");
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        receiver.Start();
        var received = receiver.GetContextAsync();
        await using var webhook = new TransitionWebhook(new Uri($"http://127.0.0.1:{port}/hook/"), NullLogger.Instance);
        webhook.Attach(_monitor);

        FailOver();
        var context = await received.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        using var reader = new StreamReader(context.Request.InputStream);
        var body = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        context.Response.StatusCode = 204;
        context.Response.Close();

        Assert.Equal("POST", context.Request.HttpMethod);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("failover.transition", json.RootElement.GetProperty("event").GetString());
        Assert.Equal("primary", json.RootElement.GetProperty("from").GetString());
        Assert.Equal("backup", json.RootElement.GetProperty("to").GetString());
        Assert.Contains("connection refused", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("127.0.0.3", json.RootElement.GetProperty("addresses")[0].GetString());
    }

    [GeneratedRegex(@"^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+\{[a-z]+=""[^""]*""(,[a-z]+=""[^""]*"")*\} -?[0-9.]+)$")]
    private static partial Regex SampleOrComment();
}
