using System.Globalization;
using Kindling.Artifacts.Maintenance;
using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Drain;

/// <summary>
/// The node's local administration on a Unix socket (<c>DIR/run/admin.sock</c>, mode 0600: only the data folder's
/// owner can connect, so no token is needed): <c>GET /drain</c>, <c>POST /drain[?quiet=SECONDS]</c>,
/// <c>POST /undrain</c>, each answering the drain status as JSON. Used by <c>kindling node drain|undrain</c>.
/// Maintenance runs inside the serving node, where it sees pushes in progress: <c>POST /gc[?grace=SECONDS&amp;dry-run=true&amp;delete-untagged=true]</c>
/// and <c>POST /fsck[?repair=true]</c> answer their report as JSON (<c>kindling node gc|fsck</c>).
/// </summary>
internal sealed class NodeAdminEndpoint(NodeDrain drain, NodeStore store, Microsoft.Extensions.Logging.ILogger logger)
{
    /// <summary>Temporary files younger than this are a serving node's writes in progress, not leftovers.</summary>
    private static readonly TimeSpan InFlightTemporaryAge = TimeSpan.FromMinutes(15);

    public async Task<string> HandleAsync(HttpContext context)
    {
        var request = context.Request;
        switch (request.Path.Value)
        {
            case "/gc" when HttpMethods.IsPost(request.Method):
                await CollectAsync(context);
                return "admin";
            case "/fsck" when HttpMethods.IsPost(request.Method):
                await CheckStoreAsync(context);
                return "admin";
            case "/drain" when HttpMethods.IsPost(request.Method):
                if (!await StartDrainAsync(context))
                {
                    return "admin";
                }

                break;
            case "/undrain" when HttpMethods.IsPost(request.Method):
                if (drain.Draining)
                {
                    Log.Undrained(logger);
                }

                drain.Stop();
                break;
            case "/drain" when HttpMethods.IsGet(request.Method):
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return "admin";
        }

        await WriteJsonAsync(context, drain.Status().ToJson());
        return "admin";
    }

    /// <summary><c>POST /gc</c>: a garbage collection with the query's grace and flags, answered with its report.</summary>
    private async Task CollectAsync(HttpContext context)
    {
        var request = context.Request;
        var grace = GcOptions.DefaultGrace;
        if (request.Query["grace"].ToString() is { Length: > 0 } graceText)
        {
            if (!double.TryParse(graceText, NumberStyles.Float, CultureInfo.InvariantCulture, out var graceSeconds) || graceSeconds < 0)
            {
                await RefuseAsync(context, $"grace={graceText}: not a number of seconds");
                return;
            }

            grace = TimeSpan.FromSeconds(graceSeconds);
        }

        var options = new GcOptions { Grace = grace, DryRun = Flag(request, "dry-run"), DeleteUntagged = Flag(request, "delete-untagged") };
        var collected = await Task.Run(() => GarbageCollector.Collect(store, options), context.RequestAborted);
        Log.Collected(logger, collected.Summary());
        await WriteJsonAsync(context, collected.ToJson());
    }

    /// <summary><c>POST /fsck</c>: a check of the store (repairing when asked), answered with its report.</summary>
    private async Task CheckStoreAsync(HttpContext context)
    {
        var options = new FsckOptions { Repair = Flag(context.Request, "repair"), TemporaryAge = InFlightTemporaryAge };
        var checkedStore = await Task.Run(() => StoreCheck.Check(store, options), context.RequestAborted);
        Log.Checked(logger, checkedStore.Summary());
        await WriteJsonAsync(context, checkedStore.ToJson());
    }

    /// <summary><c>POST /drain</c>: starts draining with the query's quiet time; false when refused (400 written).</summary>
    private async Task<bool> StartDrainAsync(HttpContext context)
    {
        TimeSpan? quiet = null;
        if (context.Request.Query["quiet"].ToString() is { Length: > 0 } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
            {
                await RefuseAsync(context, $"quiet={text}: not a number of seconds");
                return false;
            }

            quiet = TimeSpan.FromSeconds(seconds);
        }

        if (!drain.Draining)
        {
            Log.DrainStarted(logger, (quiet ?? drain.Quiet).TotalSeconds);
        }

        drain.Start(quiet);
        return true;
    }

    private static bool Flag(HttpRequest request, string name) => request.Query[name].ToString() is "true" or "1";

    private static async Task RefuseAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }

    private static async Task WriteJsonAsync(HttpContext context, System.Text.Json.Nodes.JsonObject json)
    {
        var body = JsonTree.ToUtf8(json);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}
