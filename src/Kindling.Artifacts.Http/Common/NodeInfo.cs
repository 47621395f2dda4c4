using System.Reflection;
using System.Text.Json.Nodes;
using Kindling.Artifacts.Http.Hosting;
using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Common;

/// <summary>
/// <c>GET /kindling/v1/info</c> on every port: the node's name, version, addresses and the URL of each service,
/// built with the host name the client used, so a tool given any one URL of a node finds the others.
/// </summary>
internal sealed class NodeInfo(NodeHostOptions options, IReadOnlyList<NodeService> services)
{
    public static readonly string Version =
        typeof(NodeInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "unknown";

    public async Task WriteAsync(HttpContext context)
    {
        var host = context.Request.Host.Host;
        if (string.IsNullOrEmpty(host))
        {
            host = context.Connection.LocalIpAddress?.ToString() ?? "localhost";
        }

        if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
        {
            host = $"[{host}]";
        }

        var current = services.First(s => s.Port == context.Connection.LocalPort);
        var json = JsonTree.ToUtf8(new JsonObject
        {
            ["name"] = options.NodeName,
            ["version"] = Version,
            ["addresses"] = JsonTree.Strings(options.AdvertisedAddresses),
            ["services"] = JsonTree.Map(services.Select(s => KeyValuePair.Create(s.Name, s.UrlFor(host)))),
            ["health"] = current.UrlFor(host) + "/healthz",
            ["metrics"] = current.UrlFor(host) + "/metrics",
        });
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(json, context.RequestAborted);
        }
    }
}
