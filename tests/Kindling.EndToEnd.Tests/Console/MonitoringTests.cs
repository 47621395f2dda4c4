using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Console;

/// <summary>
/// docs/monitoring: the alert rules pass <c>promtool check rules</c> and their unit tests; the Grafana dashboard names
/// only metrics that a running DNS server and two nodes expose, and those metrics follow Prometheus naming and are all
/// documented; a real Prometheus scraping them raises the failover alert once the primary is killed.
/// </summary>
public sealed partial class MonitoringTests
{
    private static string Monitoring => Path.Combine(Repository.Root, "docs", "monitoring");

    [Fact]
    public async Task Rules_PassPromtoolCheck_AndItsUnitTests_CoverEveryAlertWithARunbook()
    {
        var promtool = Requires.Tool("promtool", "prometheus");

        var check = await ProcessRunner.RunAsync(promtool, ["check", "rules", Path.Combine(Monitoring, "kindling-rules.yml")]);
        var test = await ProcessRunner.RunAsync(promtool, ["test", "rules", "kindling-rules.test.yml"], workingDirectory: Monitoring);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("SUCCESS: 11 rules found", check.All, StringComparison.Ordinal);
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Contains("SUCCESS", test.All, StringComparison.Ordinal);
        var rules = await File.ReadAllTextAsync(Path.Combine(Monitoring, "kindling-rules.yml"), TestContext.Current.CancellationToken);
        var tests = await File.ReadAllTextAsync(Path.Combine(Monitoring, "kindling-rules.test.yml"), TestContext.Current.CancellationToken);
        var readme = await File.ReadAllTextAsync(Path.Combine(Monitoring, "README.md"), TestContext.Current.CancellationToken);
        var alerts = AlertName().Matches(rules).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(11, alerts.Count);
        Assert.All(alerts, alert =>
        {
            Assert.Contains($"alertname: {alert}\n        exp_alerts:\n          - exp_labels", tests, StringComparison.Ordinal); // fires somewhere
            Assert.Contains($"### {alert}\n", readme, StringComparison.Ordinal); // has a runbook
            Assert.Contains($"runbook: \"docs/monitoring/README.md#{alert.ToLowerInvariant()}\"", rules, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Dashboard_EveryQueryNamesALiveMetric_AndEveryLiveMetricIsNamedByConventionAndDocumented()
    {
        await using var lab = await ConsoleLab.StartAsync();
        var scraped = new[]
        {
            await lab.GetAsync(lab.StatusUrl + "metrics"),
            await lab.GetAsync(lab.NodeUrl(ConsoleLab.PrimaryAddress) + "/metrics"),
            await lab.GetAsync(lab.NodeUrl(ConsoleLab.BackupAddress) + "/metrics"),
        };
        var samples = scraped.SelectMany(t => SampleName().Matches(t).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        var families = scraped.SelectMany(t => TypeLine().Matches(t).Select(m => (Name: m.Groups[1].Value, Type: m.Groups[2].Value))).Distinct().ToList();
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Monitoring, "kindling-dashboard.json"), TestContext.Current.CancellationToken));
        var readme = await File.ReadAllTextAsync(Path.Combine(Monitoring, "README.md"), TestContext.Current.CancellationToken);

        var root = dashboard.RootElement;
        Assert.Equal("kindling-overview", root.GetProperty("uid").GetString());
        Assert.True(root.GetProperty("schemaVersion").GetInt32() >= 36);
        var panels = root.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.True(panels.Count >= 20, $"{panels.Count} panels");
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            var grid = panel.GetProperty("gridPos");
            Assert.InRange(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32(), 1, 24);
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel {title} has no query");
            foreach (var target in targets)
            {
                var expr = target.GetProperty("expr").GetString()!;
                var metrics = MetricName().Matches(expr).Select(m => m.Value).ToList();
                Assert.True(metrics.Count > 0, $"panel {title}: {expr} names no kindling metric");
                foreach (var metric in metrics)
                {
                    Assert.True(samples.Contains(metric), $"panel {title}: {metric} is not in the live /metrics of the DNS server or the nodes");
                    named.Add(metric);
                }
            }
        }

        Assert.All(families, f =>
        {
            Assert.StartsWith("kindling_", f.Name, StringComparison.Ordinal);
            Assert.True(f.Type != "counter" || f.Name.EndsWith("_total", StringComparison.Ordinal), $"{f.Name}: a counter ends in _total");
            Assert.DoesNotMatch("_(seconds|bytes)_(?!total$)", f.Name);
            Assert.Contains($"| `{f.Name}` | {f.Type} |", readme, StringComparison.Ordinal);
        });
        Assert.Contains("kindling_replication_lag_seconds", named); // the backup replicates: its metrics are live too
        Assert.Contains("kindling_failover_active_side", named);
    }

    [Fact]
    public async Task Prometheus_ScrapesTheDnsServerAndTwoNodes_AndTheFailoverAlertFiresWhenThePrimaryDies()
    {
        var binary = Requires.Tool("prometheus", "prometheus");
        await using var lab = await ConsoleLab.StartAsync();
        var port = FreePort.Tcp();
        var config = lab.Path("prometheus.yml");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $$"""
            global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms }
            rule_files: ["{{Path.Combine(Monitoring, "kindling-rules.yml")}}"]
            scrape_configs:
              - job_name: kindling-dns
                static_configs: [{ targets: ["127.0.0.1:{{lab.HttpPort}}"] }]
              - job_name: kindling-node
                scheme: https
                tls_config: { ca_file: "{{lab.CaFile}}" }
                static_configs: [{ targets: ["{{ConsoleLab.PrimaryAddress}}:{{lab.RegistryPort}}", "{{ConsoleLab.BackupAddress}}:{{lab.RegistryPort}}"] }]
            """), TestContext.Current.CancellationToken);
        var bounded = Stopwatch.StartNew();
        using var prometheus = BackgroundProcess.Start(binary,
        [
            $"--config.file={config}", $"--storage.tsdb.path={lab.Path("prometheus-data")}", $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]);
        var api = $"http://127.0.0.1:{port}/api/v1/";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        var healthy = await PollAsync(async () =>
        {
            using var targets = JsonDocument.Parse(await http.GetStringAsync(new Uri(api + "targets")));
            var active = targets.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
            return active.Count == 3 && active.All(t => t.GetProperty("health").GetString() == "up");
        }, TimeSpan.FromSeconds(25));
        Assert.True(healthy, $"prometheus did not scrape all three targets:\n{prometheus.Output}\n{lab.Output}");
        using (var before = JsonDocument.Parse(await http.GetStringAsync(new Uri(api + "query?query=kindling_failover_active_side"), TestContext.Current.CancellationToken)))
        {
            Assert.Equal("0", before.RootElement.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString());
        }

        Assert.Empty(await FailoverAlertsAsync(http, api));

        await lab.KillPrimaryAsync();
        string[] states = [];
        var raised = await PollAsync(async () => (states = await FailoverAlertsAsync(http, api)).Any(s => s is "pending" or "firing"), TimeSpan.FromSeconds(20));

        Assert.True(raised, $"no KindlingFailoverActive alert after the kill:\n{prometheus.Output}\n{lab.Output}");
        Assert.True(bounded.Elapsed < TimeSpan.FromSeconds(60), $"the Prometheus part took {bounded.Elapsed}");
        TestContext.Current.TestOutputHelper?.WriteLine($"alert {string.Join(",", states)} {bounded.Elapsed.TotalSeconds:0.0} s after Prometheus started");
    }

    private static async Task<string[]> FailoverAlertsAsync(HttpClient http, string api)
    {
        using var alerts = JsonDocument.Parse(await http.GetStringAsync(new Uri(api + "alerts")));
        return [.. alerts.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "KindlingFailoverActive")
            .Select(a => a.GetProperty("state").GetString()!)];
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        return false;
    }

    [GeneratedRegex(@"^\s+- alert: (\w+)$", RegexOptions.Multiline)]
    private static partial Regex AlertName();

    [GeneratedRegex(@"^(kindling_[a-z0-9_]+)[{ ]", RegexOptions.Multiline)]
    private static partial Regex SampleName();

    [GeneratedRegex(@"^# TYPE (\S+) (\w+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"\bkindling_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
