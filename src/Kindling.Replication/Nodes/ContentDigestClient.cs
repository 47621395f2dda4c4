using System.Net;
using System.Text.Json;
using Kindling.Artifacts.Content;

namespace Kindling.Replication.Nodes;

/// <summary>Reads a node's <c>GET /kindling/v1/content-digest</c> (and one part's entries) over HTTP.</summary>
internal static class ContentDigestClient
{
    /// <summary>The node's content digests, or null when it does not publish them (not a Kindling node, or an older one).</summary>
    public static async Task<ContentDigestSnapshot?> FetchAsync(HttpClient http, NodeEndpoints node, CancellationToken cancellationToken)
    {
        if (!node.IsKindling)
        {
            return null;
        }

        var url = new Uri(node.Origin, "/kindling/v1/content-digest");
        using var response = await GetAsync(http, url, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new ReplicationException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        try
        {
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var root = json.RootElement;
            var services = new Dictionary<string, ServiceDigest>(StringComparer.Ordinal);
            foreach (var service in root.GetProperty("services").EnumerateObject())
            {
                var parts = new Dictionary<string, string>(StringComparer.Ordinal);
                if (service.Value.TryGetProperty("parts", out var partsElement))
                {
                    foreach (var part in partsElement.EnumerateObject())
                    {
                        parts[part.Name] = part.Value.GetString()!;
                    }
                }

                services[service.Name] = new ServiceDigest(service.Value.GetProperty("digest").GetString()!, service.Value.GetProperty("items").GetInt64(), parts);
            }

            return new ContentDigestSnapshot(root.GetProperty("digest").GetString()!, 0, services);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ReplicationException($"{url}: not the content digest JSON ({e.Message})", e);
        }
    }

    /// <summary>One part's entries (name to content digest): a repository's tags, a chart's versions, a bucket's keys.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> EntriesAsync(HttpClient http, NodeEndpoints node, string service, string part, CancellationToken cancellationToken)
    {
        var url = new Uri(node.Origin, $"/kindling/v1/content-digest?service={Uri.EscapeDataString(service)}&part={Uri.EscapeDataString(part)}");
        using var response = await GetAsync(http, url, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ReplicationException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (json.RootElement.TryGetProperty("entries", out var element))
        {
            foreach (var entry in element.EnumerateObject())
            {
                entries[entry.Name] = entry.Value.GetString() ?? "";
            }
        }

        return entries;
    }

    /// <summary>The parts of a service whose digests are equal on both nodes (skipped by sync).</summary>
    public static IReadOnlySet<string> EqualParts(ContentDigestSnapshot? source, ContentDigestSnapshot? target, string service)
    {
        if (source is null || target is null || !source.Services.TryGetValue(service, out var from) || !target.Services.TryGetValue(service, out var to))
        {
            return new HashSet<string>();
        }

        return from.Parts.Where(p => to.Parts.TryGetValue(p.Key, out var digest) && digest == p.Value).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient http, Uri url, CancellationToken cancellationToken) =>
        Transfer.NodeRequests.SendAsync(http, new HttpRequestMessage(HttpMethod.Get, url), cancellationToken, bodyKind: "a content digest");
}
