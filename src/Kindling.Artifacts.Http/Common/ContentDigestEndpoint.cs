using System.Text.Json.Nodes;
using Kindling.Artifacts.Content;
using Kindling.Artifacts.Files;
using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Common;

/// <summary>
/// <c>GET /kindling/v1/content-digest</c> on every port: the node's <see cref="ContentDigest"/> as JSON
/// (<c>digest</c>, and per service its <c>digest</c>, <c>items</c> and <c>parts</c>), read from memory.
/// With <c>?service=S&amp;part=P</c> it lists that part's entries (tag to manifest digest, ...), so a tool can
/// name what differs between two nodes. Used by the failover parity gate, <c>kindling sync</c> and <c>verify</c>.
/// An anonymous caller sees every digest (the parity gate compares the top-level one, over everything) but only the
/// parts it could read anonymously: the names of buckets other than the public one are listed to the admin only.
/// </summary>
internal sealed class ContentDigestEndpoint(ContentDigest content)
{
    // A reference swap, so concurrent readers never see a torn version/body pair; one for the admin, one for anyone.
    private Cached? _cached;
    private Cached? _cachedAnonymous;

    public async Task WriteAsync(HttpContext context)
    {
        var query = context.Request.Query;
        byte[] body;
        if (query.TryGetValue("service", out var service) && query.TryGetValue("part", out var part))
        {
            // Keys of a bucket that is not public are listed to the admin only, as the file store lists them.
            if (!IsPublic(service.ToString(), part.ToString()) && BasicAuthentication.Identify(context.Request) != Caller.Authenticated)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = BasicAuthentication.Challenge;
                return;
            }

            body = JsonTree.ToUtf8(new JsonObject
            {
                ["service"] = service.ToString(), ["part"] = part.ToString(), ["entries"] = JsonTree.Map(content.Entries(service.ToString(), part.ToString())),
            });
        }
        else
        {
            var snapshot = content.Snapshot();
            var admin = context.Request.Headers.Authorization.Count > 0 && BasicAuthentication.Identify(context.Request) == Caller.Authenticated;
            if ((admin ? _cached : _cachedAnonymous) is { } cached && cached.Version == snapshot.Version)
            {
                body = cached.Body;
            }
            else
            {
                body = JsonTree.ToUtf8(new JsonObject
                {
                    ["digest"] = snapshot.Digest,
                    ["services"] = new JsonObject(snapshot.Services.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)new JsonObject
                    {
                        ["digest"] = s.Value.Digest, ["items"] = s.Value.Items, ["parts"] = JsonTree.Map(admin ? s.Value.Parts : s.Value.Parts.Where(p => IsPublic(s.Key, p.Key))),
                    }))),
                });
                if (admin)
                {
                    _cached = new Cached(snapshot.Version, body);
                }
                else
                {
                    _cachedAnonymous = new Cached(snapshot.Version, body);
                }
            }
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    /// <summary>Registry repositories and charts are readable by anyone; of the file store only the public bucket.</summary>
    private static bool IsPublic(string service, string part) => service != FileContent.Service || part == FileStore.PublicBucket;

    private sealed record Cached(long Version, byte[] Body);
}
