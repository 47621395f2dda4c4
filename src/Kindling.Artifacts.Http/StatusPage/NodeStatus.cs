using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Kindling.Artifacts.Http.Common;
using Kindling.Artifacts.Http.Hosting;
using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.StatusPage;

/// <summary>
/// <c>GET /kindling/v1/status</c> on every port (what the node's status page at <c>/kindling/</c> polls): the node's
/// name and version, its content digest, disk space in the data folder, the certificate's expiry and each report
/// (continuous replication: lag, last round). Read-only and without login, like <c>/healthz</c>.
/// </summary>
internal sealed class NodeStatus(NodeHostOptions options, NodeStore store, TimeProvider time)
{
    public async Task WriteAsync(HttpContext context)
    {
        var now = time.GetUtcNow();
        var snapshot = store.Content.Snapshot();
        var space = store.Blobs.Space.Read();
        var notAfter = new DateTimeOffset(options.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var reports = new JsonObject();
        foreach (var report in options.Reports)
        {
            reports[report.Name] = report.Health();
        }

        var body = JsonTree.ToUtf8(new JsonObject
        {
            ["name"] = options.NodeName,
            ["version"] = NodeInfo.Version,
            ["now"] = now.ToString("O", CultureInfo.InvariantCulture),
            ["addresses"] = JsonTree.Strings(options.AdvertisedAddresses),
            ["contentDigest"] = snapshot.Digest,
            ["contentItems"] = snapshot.Services.Sum(s => s.Value.Items),
            ["data"] = new JsonObject
            {
                ["path"] = store.DataDirectory,
                ["freeBytes"] = space.FreeBytes,
                ["sizeBytes"] = space.SizeBytes,
                ["storeBytes"] = store.Blobs.TotalBytes,
                // "ok", "low" (below --low-space: /healthz degraded) or "full" (below --min-free: writes refused).
                ["space"] = space.LevelText,
                ["lowBelowBytes"] = space.LowBelowBytes,
                ["minFreeBytes"] = space.MinFreeBytes,
            },
            ["certificate"] = new JsonObject
            {
                ["subject"] = options.Certificate.Subject,
                ["notAfter"] = notAfter.ToString("O", CultureInfo.InvariantCulture),
                ["daysLeft"] = Math.Floor((notAfter - now).TotalDays),
            },
            ["reports"] = reports,
        }, omitNulls: false);
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    /// <summary>The node's gauges beside the request counters: disk space in the data folder, certificate expiry, version.</summary>
    public static void WriteMetrics(StringBuilder text, NodeHostOptions options, NodeStore store)
    {
        var space = store.Blobs.Space.Read();
        var (free, size) = (space.FreeBytes, space.SizeBytes);
        var notAfter = new DateTimeOffset(options.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        text.Append("# HELP kindling_build_info Always 1; the version of the running Kindling.\n# TYPE kindling_build_info gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_build_info{{version=\"{NodeInfo.Version}\"}} 1\n");
        text.Append("# HELP kindling_data_free_bytes Bytes available to the node in the file system of its data folder.\n# TYPE kindling_data_free_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_data_free_bytes {free}\n");
        text.Append("# HELP kindling_data_size_bytes Size of the file system of the node's data folder.\n# TYPE kindling_data_size_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_data_size_bytes {size}\n");
        text.Append("# HELP kindling_data_low_space_bytes The node's low-space threshold (--low-space) in bytes: below it /healthz says degraded.\n# TYPE kindling_data_low_space_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_data_low_space_bytes {space.LowBelowBytes}\n");
        text.Append("# HELP kindling_data_min_free_bytes The node's minimum free space (--min-free) in bytes: below it writes are refused (507).\n# TYPE kindling_data_min_free_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_data_min_free_bytes {space.MinFreeBytes}\n");
        text.Append("# HELP kindling_certificate_expiry_timestamp_seconds Unix time the node's server certificate expires.\n# TYPE kindling_certificate_expiry_timestamp_seconds gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_certificate_expiry_timestamp_seconds{{certificate=\"server\"}} {notAfter.ToUnixTimeSeconds()}\n");
    }
}
