using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.StatusPage;

/// <summary>
/// <c>GET /kindling/</c>: the node's status page (HTML, CSS and script in one file embedded in the assembly, shared
/// with the failover console of <c>Kindling.Health</c>), which polls <c>/kindling/v1/status</c>. Nothing is loaded from
/// elsewhere, and the Content-Security-Policy forbids it.
/// </summary>
internal static class ConsolePage
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(ConsolePage).Assembly.GetManifestResourceStream("Kindling.Console.html")
            ?? throw new InvalidOperationException("the status page is not embedded (Kindling.Console.html)");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static async Task WriteAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        if (context.Request.Path.Value == "/kindling")
        {
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = "/kindling/";
            return;
        }

        var body = Page.Value;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
