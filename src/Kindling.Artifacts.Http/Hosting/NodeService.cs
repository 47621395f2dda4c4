using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Hosting;

/// <summary>
/// One service of the node on its own port (registry, charts, files). <c>/healthz</c>, <c>/metrics</c> and
/// <c>/kindling/v1/info</c> are answered on every port before a service sees the request.
/// </summary>
internal abstract class NodeService(string name, int port, string scheme)
{
    public string Name { get; } = name;
    public int Port { get; } = port;

    /// <summary><c>https</c>, or <c>http</c> where a setting serves the port in clear.</summary>
    public string Scheme { get; } = scheme;

    /// <summary>Answers a request; returns the route label used in metrics.</summary>
    public abstract ValueTask<string> HandleAsync(HttpContext context);

    /// <summary>The service's own check for <c>/healthz</c> (beyond answering on its port); null when fine.</summary>
    public virtual string? Problem() => null;

    /// <summary>The URL clients use, built from the host name they reached the node by.</summary>
    public string UrlFor(string host)
    {
        var defaultPort = Scheme == "https" ? 443 : 80;
        return Port == defaultPort ? $"{Scheme}://{host}" : $"{Scheme}://{host}:{Port}";
    }
}

/// <summary>A port whose service is not built yet: only the common endpoints answer.</summary>
internal sealed class PlaceholderService(string name, int port) : NodeService(name, port, "https")
{
    public override async ValueTask<string> HandleAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync($"the {Name} service does not serve {context.Request.Path}\n");
        return "other";
    }
}
