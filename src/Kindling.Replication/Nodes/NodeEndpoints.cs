using System.Net;
using System.Text.Json;
using Kindling.Artifacts.Content;

namespace Kindling.Replication.Nodes;

/// <summary>
/// Where a node serves each service. Found from any one URL of the node through its <c>GET /kindling/v1/info</c>
/// (which answers on every port with URLs built from the host name the client used); a server without that
/// endpoint (a plain OCI registry) is taken as a registry at the URL given.
/// </summary>
public sealed record NodeEndpoints(Uri Given, string Name, Uri? Registry, Uri? Charts, Uri? Files, bool IsKindling)
{
    /// <summary>The URL of the node's own endpoints (<c>/kindling/v1/...</c>): any of its ports answers them.</summary>
    public Uri Origin => new(Given.GetLeftPart(UriPartial.Authority));

    public override string ToString() => IsKindling ? $"{Name} ({Origin})" : Origin.ToString();

    /// <summary>Parses a node URL given on the command line; a bare host[:port] means https.</summary>
    public static Uri ParseUrl(string text, string option)
    {
        var candidate = text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.Host.Length == 0)
        {
            throw new ReplicationException($"{option} '{text}' is not a node URL: give https://HOST[:PORT] (any one of the node's service URLs)");
        }

        return uri;
    }

    public static async Task<NodeEndpoints> DiscoverAsync(HttpClient http, Uri given, CancellationToken cancellationToken)
    {
        var infoUrl = new Uri(new Uri(given.GetLeftPart(UriPartial.Authority)), "/kindling/v1/info");
        HttpResponseMessage response;
        try
        {
            response = await Transfer.NodeRequests.SendAsync(http, new HttpRequestMessage(HttpMethod.Get, infoUrl), cancellationToken, maxBody: 1024 * 1024, bodyKind: "the node information");
        }
        catch (ReplicationException e) when (e.InnerException is HttpRequestException inner)
        {
            throw new ReplicationException($"cannot reach {infoUrl}: {Describe(inner)}", inner);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return new NodeEndpoints(given, given.Authority, new Uri(given.GetLeftPart(UriPartial.Authority)), null, null, IsKindling: false);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ReplicationException($"{infoUrl} answered {(int)response.StatusCode} {response.ReasonPhrase}: is this a Kindling node or an OCI registry?");
            }

            try
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
                var root = json.RootElement;
                var services = root.GetProperty("services");
                return new NodeEndpoints(given, root.TryGetProperty("name", out var name) ? name.GetString() ?? given.Authority : given.Authority,
                    Service(services, ContentKind.Images), Service(services, ContentKind.Charts), Service(services, ContentKind.Files), IsKindling: true);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or UriFormatException)
            {
                throw new ReplicationException($"{infoUrl} did not answer the node information JSON ({e.Message})", e);
            }
        }
    }

    private static Uri? Service(JsonElement services, ContentKind kind) =>
        services.TryGetProperty(kind.Service(), out var url) && url.GetString() is { Length: > 0 } text ? new Uri(text.TrimEnd('/') + "/") : null;

    /// <summary>The innermost cause of a failed request (refused, TLS name mismatch, untrusted CA), which is what a user can act on.</summary>
    public static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (!messages.Contains(current.Message, StringComparer.Ordinal))
            {
                messages.Add(current.Message);
            }
        }

        var text = string.Join(": ", messages);
        if (text.Contains("RemoteCertificateChainErrors", StringComparison.Ordinal) || text.Contains("UntrustedRoot", StringComparison.Ordinal)
            || text.Contains("PartialChain", StringComparison.Ordinal))
        {
            text += " (the node's certificate is not issued by a CA given with --ca: add --ca DATA/pki/ca.crt of the node)";
        }
        else if (text.Contains("RemoteCertificateNameMismatch", StringComparison.Ordinal))
        {
            text += " (the certificate is not valid for this name: use a name or address among the node's certificate names)";
        }

        return text;
    }
}
