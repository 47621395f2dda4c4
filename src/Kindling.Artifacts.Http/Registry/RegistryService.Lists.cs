using System.Text.Json.Nodes;
using Kindling.Artifacts.Registry;
using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Registry;

/// <summary>Tag listing and the catalog (with <c>n</c>/<c>last</c> pagination and <c>Link</c>), and the referrers API.</summary>
internal sealed partial class RegistryService
{
    private async ValueTask<string> TagsAsync(HttpContext context, RegistryRoute route)
    {
        RequireGet(context, "tag lists");
        RequireReader(context);
        var name = ResolveName(context, route.Name);
        var (n, last) = Paging(context);
        var tags = _registry.ListTags(name, n, last);
        if (n is { } count && tags.Count == count && count > 0)
        {
            context.Response.Headers.Link = $"</v2/{name}/tags/list?n={count}&last={Uri.EscapeDataString(tags[^1])}>; rel=\"next\"";
        }

        await WriteJsonAsync(context, new JsonObject { ["name"] = name, ["tags"] = JsonTree.Strings(tags) }, "application/json");
        return "tags";
    }

    private async ValueTask<string> CatalogAsync(HttpContext context)
    {
        RequireGet(context, "the catalog");
        RequireReader(context);
        var (n, last) = Paging(context);
        var repositories = _registry.Catalog(n, last);
        if (n is { } count && repositories.Count == count && count > 0)
        {
            context.Response.Headers.Link = $"</v2/_catalog?n={count}&last={Uri.EscapeDataString(repositories[^1])}>; rel=\"next\"";
        }

        await WriteJsonAsync(context, new JsonObject { ["repositories"] = JsonTree.Strings(repositories) }, "application/json");
        return "catalog";
    }

    private async ValueTask<string> ReferrersAsync(HttpContext context, RegistryRoute route)
    {
        RequireGet(context, "referrers");
        RequireReader(context);
        var digest = ParseDigest(route.Reference);
        var artifactType = context.Request.Query.TryGetValue("artifactType", out var filter) ? filter.ToString() : null;
        var referrers = _registry.Referrers(ResolveName(context, route.Name), digest, artifactType);
        if (artifactType is not null)
        {
            context.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        }

        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestDocument.OciIndex,
            ["manifests"] = new JsonArray([.. referrers.Select(d => new JsonObject
            {
                ["mediaType"] = d.MediaType, ["digest"] = d.Digest.Value, ["size"] = d.Size, ["artifactType"] = d.ArtifactType,
                ["annotations"] = d.Annotations is null ? null : JsonTree.Map(d.Annotations),
            })]),
        };
        await WriteJsonAsync(context, index, ManifestDocument.OciIndex);
        return "referrers";
    }

    private static void RequireGet(HttpContext context, string what)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            throw MethodNotAllowed(context, what);
        }
    }

    private static (int? N, string? Last) Paging(HttpContext context)
    {
        var query = context.Request.Query;
        int? n = null;
        if (query.TryGetValue("n", out var nText))
        {
            if (!int.TryParse(nText.ToString(), out var parsed) || parsed < 0)
            {
                throw new RegistryException(RegistryErrorCode.Unsupported, 400, $"n='{RepositoryNames.Shorten(nText.ToString())}' is not a non-negative number");
            }

            n = parsed;
        }

        return (n, query.TryGetValue("last", out var last) ? last.ToString() : null);
    }

    private static async Task WriteJsonAsync(HttpContext context, JsonObject value, string contentType)
    {
        var body = JsonTree.ToUtf8(value, indented: false);
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
