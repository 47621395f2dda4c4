using System.Globalization;
using System.Text;
using Kindling.Health.Failover;

namespace Kindling.Health.Peers;

/// <summary>
/// The peers' metrics (Prometheus text 0.0.4), appended to <c>/metrics</c> when the failover file has <c>peers:</c>:
/// reachability, views by result, view age, disagreements, and each record side's aggregated state.
/// </summary>
internal static class PeerMetrics
{
    private static readonly PeerReceipt[] Results = [PeerReceipt.Accepted, PeerReceipt.RejectedMac, PeerReceipt.Replayed, PeerReceipt.Stale, PeerReceipt.Malformed];

    public static string Render(PeerMesh mesh, FailoverMonitor monitor)
    {
        var text = new StringBuilder();
        RenderPeers(text, mesh);
        RenderAggregates(text, monitor);
        return text.ToString();
    }

    /// <summary>The per-peer series: reachability, views by result, view age, disagreements.</summary>
    private static void RenderPeers(StringBuilder text, PeerMesh mesh)
    {
        var peers = mesh.Status();
        Header(text, "kindling_dns_peer_up", "gauge", "1 while the peer is reachable (its last push got through) and its last view is fresh; 0 otherwise.");
        foreach (var p in peers)
        {
            Sample(text, "kindling_dns_peer_up", $"peer=\"{Escape(p.Name)}\"", p.Up ? 1 : 0);
        }

        Header(text, "kindling_dns_peer_views_total", "counter", "Views received from the peer, by result: accepted, rejected_mac (bad MAC, or unknown sender), replayed, stale, malformed. Before the MAC verifies, the peer is the one on the sender's address, else unknown.");
        foreach (var p in peers)
        {
            foreach (var result in Results)
            {
                var count = result switch
                {
                    PeerReceipt.Accepted => p.Accepted,
                    PeerReceipt.RejectedMac => p.RejectedMac,
                    PeerReceipt.Replayed => p.Replayed,
                    PeerReceipt.Malformed => p.Malformed,
                    _ => p.Stale,
                };
                Sample(text, "kindling_dns_peer_views_total", $"peer=\"{Escape(p.Name)}\",result=\"{PeerMesh.Result(result)}\"", count);
            }
        }

        Sample(text, "kindling_dns_peer_views_total", "peer=\"unknown\",result=\"rejected_mac\"", mesh.RejectedUnknown);
        Sample(text, "kindling_dns_peer_views_total", "peer=\"unknown\",result=\"malformed\"", mesh.MalformedUnknown);

        Header(text, "kindling_dns_peer_view_age_seconds", "gauge", "Seconds since the peer's last accepted view arrived (-1 before the first).");
        foreach (var p in peers)
        {
            Sample(text, "kindling_dns_peer_view_age_seconds", $"peer=\"{Escape(p.Name)}\"", p.AgeSeconds ?? -1);
        }

        Header(text, "kindling_dns_peer_disagreements_total", "counter", "Times the peer's view started to differ from this instance's own (a side up here and down there).");
        foreach (var p in peers)
        {
            Sample(text, "kindling_dns_peer_disagreements_total", $"peer=\"{Escape(p.Name)}\"", p.Disagreements);
        }

        Header(text, "kindling_dns_peer_disagreeing", "gauge", "1 while the peer's last view differs from this instance's own.");
        foreach (var p in peers)
        {
            Sample(text, "kindling_dns_peer_disagreeing", $"peer=\"{Escape(p.Name)}\"", p.Disagreeing ? 1 : 0);
        }
    }

    /// <summary>Each record side's state aggregated over the fresh views, and how many views it counted.</summary>
    private static void RenderAggregates(StringBuilder text, FailoverMonitor monitor)
    {
        var records = monitor.Status().Where(r => r.Aggregate is not null).ToList();
        Header(text, "kindling_failover_aggregate_side_up", "gauge", "A side's health aggregated over the fresh views (what the decision reads): 1 up, 0 down, -1 unknown.");
        foreach (var r in records)
        {
            foreach (var (side, status) in new[] { (Side.Primary, r.Aggregate!.Primary), (Side.Backup, r.Aggregate!.Backup) })
            {
                Sample(text, "kindling_failover_aggregate_side_up", Labels(r.Name, side), status.State switch { SideState.Up => 1, SideState.Down => 0, _ => -1 });
            }
        }

        Header(text, "kindling_failover_aggregate_views", "gauge", "Fresh views (this instance's own included) the last aggregate of a side counted.");
        foreach (var r in records)
        {
            foreach (var (side, status) in new[] { (Side.Primary, r.Aggregate!.Primary), (Side.Backup, r.Aggregate!.Backup) })
            {
                Sample(text, "kindling_failover_aggregate_views", Labels(r.Name, side), status.Views);
            }
        }
    }

    private static string Labels(string name, Side side) => $"name=\"{Escape(name)}\",side=\"{side.ToString().ToLowerInvariant()}\"";

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, double value) =>
        text.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
