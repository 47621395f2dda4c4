using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Drain;

/// <summary>
/// The node's local administration on a Unix socket (<c>DIR/run/admin.sock</c>, mode 0600: only the data folder's
/// owner can connect, so no token is needed): <c>GET /drain</c>, <c>POST /drain[?quiet=SECONDS]</c>,
/// <c>POST /undrain</c>, each answering the drain status as JSON. Used by <c>kindling node drain|undrain</c>.
/// </summary>
internal sealed class NodeAdminEndpoint(NodeDrain drain, Microsoft.Extensions.Logging.ILogger logger)
{
    public async Task<string> HandleAsync(HttpContext context)
    {
        var request = context.Request;
        switch (request.Path.Value)
        {
            case "/drain" when HttpMethods.IsPost(request.Method):
                TimeSpan? quiet = null;
                if (request.Query["quiet"].ToString() is { Length: > 0 } text)
                {
                    if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
                    {
                        context.Response.StatusCode = StatusCodes.Status400BadRequest;
                        await context.Response.WriteAsync($"quiet={text}: not a number of seconds\n", context.RequestAborted);
                        return "admin";
                    }

                    quiet = TimeSpan.FromSeconds(seconds);
                }

                if (!drain.Draining)
                {
                    Log.DrainStarted(logger, (quiet ?? drain.Quiet).TotalSeconds);
                }

                drain.Start(quiet);
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

        var body = JsonTree.ToUtf8(drain.Status().ToJson());
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
        return "admin";
    }
}
