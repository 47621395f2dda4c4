using System.Globalization;
using System.Reflection;
using System.Text;
using Kindling.Health.Failover;

namespace Kindling.Health.Observability;

/// <summary>
/// The monitor's state in the Prometheus text exposition format (version 0.0.4): the side each name answers
/// with, transitions, hold-down, per side health, consecutive failures/successes, seconds in state, finished
/// checks and when the last one finished (liveness), and the probe latency histogram.
/// </summary>
internal static class FailoverMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The running Kindling's version (the assembly's informational version, without the commit).</summary>
    public static readonly string Version =
        typeof(FailoverMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "unknown";

    public static string Render(FailoverMonitor monitor)
    {
        var statuses = monitor.Status();
        var text = new StringBuilder();
        Family(text, "kindling_build_info", "gauge", "Always 1; the version of the running Kindling.",
            [($"version=\"{Escape(Version)}\"", 1d)]);
        Family(text, "kindling_failover_active_side", "gauge", "Side a failover name answers with: 0 primary, 1 backup.",
            statuses.Select(s => (Labels(s.Name), (double)(int)s.Active)));
        Family(text, "kindling_failover_forced", "gauge", "1 while an operator forces a side (maintenance), 0 in automatic mode.",
            statuses.Select(s => (Labels(s.Name), s.Mode == FailoverMode.Auto ? 0d : 1d)));
        Family(text, "kindling_failover_transitions_total", "counter", "Switches of the answered side.",
            statuses.Select(s => (Labels(s.Name), (double)s.Transitions)));
        Family(text, "kindling_failover_in_state_seconds", "gauge", "Seconds since the answered side last changed.",
            statuses.Select(s => (Labels(s.Name), s.SecondsInState)));
        Family(text, "kindling_failover_hold_down_seconds", "gauge", "Current failback hold-down (doubles on flaps).",
            statuses.Select(s => (Labels(s.Name), s.HoldDownSeconds)));
        Family(text, "kindling_failover_hold_down_left_seconds", "gauge", "Seconds left before a pending failback (0 when none is pending).",
            statuses.Select(s => (Labels(s.Name), s.HoldDownLeftSeconds ?? 0)));
        Family(text, "kindling_failover_parity_match", "gauge", "Content-parity gate's last result: 1 same digest, 0 different (or unreadable), -1 no gate or not checked yet.",
            statuses.Select(s => (Labels(s.Name), s.ParityMatch switch { true => 1d, false => 0d, null => -1d })));

        var sides = statuses.SelectMany(s => new[] { (s.Name, Side: s.Primary), (s.Name, Side: s.Backup) }).ToList();
        Family(text, "kindling_failover_side_up", "gauge", "Health of a side: 1 up, 0 down, -1 not checked yet.",
            sides.Select(x => (Labels(x.Name, x.Side.Side), x.Side.State switch { SideState.Up => 1d, SideState.Down or SideState.Draining => 0d, _ => -1d })));
        Family(text, "kindling_failover_consecutive_failures", "gauge", "Failed checks in a row.",
            sides.Select(x => (Labels(x.Name, x.Side.Side), (double)x.Side.ConsecutiveFailures)));
        Family(text, "kindling_failover_consecutive_successes", "gauge", "Good checks in a row.",
            sides.Select(x => (Labels(x.Name, x.Side.Side), (double)x.Side.ConsecutiveSuccesses)));
        Family(text, "kindling_failover_side_in_state_seconds", "gauge", "Seconds since the side was last declared up or down.",
            sides.Select(x => (Labels(x.Name, x.Side.Side), x.Side.SecondsInState)));
        Family(text, "kindling_failover_checks_total", "counter", "Finished health checks (probes) of the side.",
            sides.Select(x => (Labels(x.Name, x.Side.Side), (double)x.Side.Probes)));
        Family(text, "kindling_failover_last_check_timestamp_seconds", "gauge", "Unix time the last check of the side finished (0 before the first).",
            sides.Select(x => (Labels(x.Name, x.Side.Side), x.Side.LastCheckAt is { } at ? at.ToUnixTimeMilliseconds() / 1000d : 0d)));
        Family(text, "kindling_failover_since_last_check_seconds", "gauge", "Seconds since the last check of the side finished (since the start before the first).",
            sides.Select(x => (Labels(x.Name, x.Side.Side), x.Side.SecondsSinceLastCheck)));
        Family(text, "kindling_failover_side_stalled", "gauge", "1 while the side's checks have stalled (none finished for 3 intervals past the probe guard).",
            sides.Select(x => (Labels(x.Name, x.Side.Side), x.Side.Stalled ? 1d : 0d)));

        text.Append("# HELP kindling_probe_duration_seconds Health probe latency (a whole node: every check of every address).\n");
        text.Append("# TYPE kindling_probe_duration_seconds histogram\n");
        foreach (var (name, side) in sides)
        {
            var (cumulative, count, sum) = monitor.Latency(name, side.Side).Read();
            var labels = Labels(name, side.Side);
            for (var i = 0; i < LatencyHistogram.Bounds.Length; i++)
            {
                text.Append("kindling_probe_duration_seconds_bucket{").Append(labels).Append(",le=\"").Append(Number(LatencyHistogram.Bounds[i])).Append("\"} ")
                    .Append(cumulative[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            text.Append("kindling_probe_duration_seconds_bucket{").Append(labels).Append(",le=\"+Inf\"} ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append("kindling_probe_duration_seconds_sum{").Append(labels).Append("} ").Append(Number(sum)).Append('\n');
            text.Append("kindling_probe_duration_seconds_count{").Append(labels).Append("} ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    private static void Family(StringBuilder text, string name, string type, string help, IEnumerable<(string Labels, double Value)> samples)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (labels, value) in samples)
        {
            text.Append(name).Append('{').Append(labels).Append("} ").Append(Number(value)).Append('\n');
        }
    }

    private static string Labels(string name) => $"name=\"{Escape(name)}\"";

    private static string Labels(string name, Side side) => $"name=\"{Escape(name)}\",side=\"{side.ToString().ToLowerInvariant()}\"";

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
