using System.Diagnostics;
using System.Text;
using Kindling.Artifacts.Access;
using Kindling.Artifacts.Http.Common;
using Kindling.Artifacts.Http.Drain;
using Kindling.Artifacts.Http.Registry;
using Kindling.Artifacts.Http.StatusPage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Hosting;

/// <summary>
/// The node's one dispatcher (no routing middleware): a request on a service's port goes to the common endpoints
/// (<c>/healthz</c>, <c>/metrics</c>, <c>/kindling/...</c>) or else to that service, counted by
/// <see cref="RequestMetrics"/> and, for the service, by the drain.
/// </summary>
internal sealed class NodeDispatcher(NodeStore store, LoginGate logins, RequestMetrics metrics, NodeHealth health, NodeInfo info,
    ContentDigestEndpoint contentDigest, NodeStatus status, NodeHostOptions options, NodeDrain drain, ILogger logger)
{
    public async Task DispatchAsync(HttpContext context, NodeService service)
    {
        var start = Stopwatch.GetTimestamp();
        // Every answer on every port, user content included: a browser must take the declared type, never sniff one.
        context.Response.Headers.XContentTypeOptions = "nosniff";
        string route;
        try
        {
            var path = context.Request.Path.Value;
            if (context.Request.Headers.Authorization.Count > 0 && path is not ("/healthz" or "/metrics" or "/kindling/v1/info"))
            {
                // Once per request, before any handler: bounded cost for wrong passwords (LoginGate). Requests
                // without credentials, and the health endpoints, never wait on a password check.
                await BasicAuthentication.AuthenticateAsync(context, logins);
            }

            route = await RouteAsync(context, service, path);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "{Service}: {Method} {Path} failed", service.Name, context.Request.Method, context.Request.Path);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }

            route = "error";
        }

        var bytesIn = context.Items.TryGetValue(RegistryService.BytesReceivedKey, out var received) && received is long n ? n : context.Request.ContentLength ?? 0;
        metrics.Record(service.Name, route, context.Request.Method, context.Response.StatusCode, bytesIn,
            HttpMethods.IsHead(context.Request.Method) ? 0 : context.Response.ContentLength ?? 0, start);
    }

    /// <summary>Answers the request; returns the route name the metrics count it under.</summary>
    private async Task<string> RouteAsync(HttpContext context, NodeService service, string? path)
    {
        switch (path)
        {
            case "/healthz":
                await health.WriteAsync(context);
                return "healthz";
            case "/metrics":
                await WriteMetricsAsync(context);
                return "metrics";
            case "/kindling/v1/info":
                await info.WriteAsync(context);
                return "info";
            case "/kindling/v1/status":
                await status.WriteAsync(context);
                return "status";
            case "/kindling" or "/kindling/":
                await ConsolePage.WriteAsync(context);
                return "console";
            case "/kindling/v1/content-digest":
                await contentDigest.WriteAsync(context);
                return "content-digest";
            default:
                drain.Enter();
                try
                {
                    return await service.HandleAsync(context);
                }
                finally
                {
                    drain.Exit();
                }
        }
    }

    private async Task WriteMetricsAsync(HttpContext context)
    {
        var text = new StringBuilder();
        metrics.Write(text);
        text.Append("# HELP kindling_store_bytes Bytes held in the blob store.\n# TYPE kindling_store_bytes gauge\n");
        text.Append($"kindling_store_bytes {store.Blobs.TotalBytes}\n");
        text.Append("# HELP kindling_store_blobs Blobs held in the blob store.\n# TYPE kindling_store_blobs gauge\n");
        text.Append($"kindling_store_blobs {store.Blobs.Count}\n");
        text.Append("# HELP kindling_registry_repositories Repositories in the registry.\n# TYPE kindling_registry_repositories gauge\n");
        text.Append($"kindling_registry_repositories {store.Registry.RepositoryCount}\n");
        text.Append("# HELP kindling_registry_uploads_open Blob uploads in progress.\n# TYPE kindling_registry_uploads_open gauge\n");
        text.Append($"kindling_registry_uploads_open {store.Uploads.OpenCount}\n");
        text.Append("# HELP kindling_login_checks_total Password (bcrypt) checks run; answers from memory and throttled attempts are not counted.\n# TYPE kindling_login_checks_total counter\n");
        text.Append($"kindling_login_checks_total {logins.Checks}\n");
        text.Append("# HELP kindling_login_throttled_total Attempts answered 429/503 without a password check (client backing off, or all check slots busy).\n# TYPE kindling_login_throttled_total counter\n");
        text.Append($"kindling_login_throttled_total {logins.Throttled}\n");
        NodeStatus.WriteMetrics(text, options, store);
        foreach (var report in options.Reports)
        {
            report.WriteMetrics(text);
        }

        var body = Encoding.UTF8.GetBytes(text.ToString());
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
