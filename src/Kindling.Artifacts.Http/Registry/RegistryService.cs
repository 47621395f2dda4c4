using Kindling.Artifacts.Content;
using Kindling.Artifacts.Http.Common;
using Kindling.Artifacts.Http.Hosting;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Registry;

/// <summary>
/// The OCI Distribution Specification v1.1 API under <c>/v2/</c>: thin handlers over <see cref="RegistryStore"/>
/// and <see cref="UploadSessions"/>. Anyone may pull; pushing and deleting need HTTP Basic credentials.
/// </summary>
internal sealed partial class RegistryService(NodeStore store, int port, ILogger logger) : NodeService(ContentKind.Images.Service(), port, "https")
{
    private readonly RegistryStore _registry = store.Registry;

    public override async ValueTask<string> HandleAsync(HttpContext context)
    {
        var route = RegistryRoute.Parse(context.Request.Path.Value ?? "/");
        context.Response.Headers[RegistryResponses.ApiVersionHeader] = RegistryResponses.ApiVersion;
        try
        {
            return route.Kind switch
            {
                RegistryRouteKind.Manifest => await ManifestAsync(context, route),
                RegistryRouteKind.Blob => await BlobAsync(context, route),
                RegistryRouteKind.Base => await BaseAsync(context),
                RegistryRouteKind.UploadStart or RegistryRouteKind.Upload => await UploadAsync(context, route),
                RegistryRouteKind.Tags => await TagsAsync(context, route),
                RegistryRouteKind.Catalog => await CatalogAsync(context),
                RegistryRouteKind.Referrers => await ReferrersAsync(context, route),
                _ => throw new RegistryException(RegistryErrorCode.NameUnknown, 404, $"'{RepositoryNames.Shorten(context.Request.Path.Value ?? "")}' is not a registry API path"),
            };
        }
        catch (RegistryException e)
        {
            await RegistryResponses.WriteErrorAsync(context, e, logger);
            return RouteLabel(route.Kind);
        }
        catch (StorageFullException e)
        {
            // The node's log names the folder; the client's answer does not. Reads go on being served.
            logger.LogError("registry: {Method} {Path}: {Error}", context.Request.Method, context.Request.Path, e.Message);
            await RegistryResponses.WriteErrorAsync(context, RegistryException.StorageFull(e), logger);
            return RouteLabel(route.Kind);
        }
        catch (BadHttpRequestException e)
        {
            // Truncated or oversized bodies: Kestrel has already stopped reading.
            logger.LogWarning("registry: {Method} {Path}: bad request body ({Error}); nothing stored", context.Request.Method, context.Request.Path, e.Message);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = e.StatusCode;
            }

            return RouteLabel(route.Kind);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            logger.LogInformation("registry: {Method} {Path}: client went away ({Error})", context.Request.Method, context.Request.Path, e.Message);
            return RouteLabel(route.Kind);
        }
    }

    private static string RouteLabel(RegistryRouteKind kind) => kind switch
    {
        RegistryRouteKind.Manifest => "manifest",
        RegistryRouteKind.Blob => "blob",
        RegistryRouteKind.Base => "base",
        RegistryRouteKind.UploadStart or RegistryRouteKind.Upload => "upload",
        RegistryRouteKind.Tags => "tags",
        RegistryRouteKind.Catalog => "catalog",
        RegistryRouteKind.Referrers => "referrers",
        _ => "other",
    };

    /// <summary><c>GET /v2/</c>: 200 for a logged-in client, else the Basic challenge clients need before pushing.</summary>
    private static async ValueTask<string> BaseAsync(HttpContext context)
    {
        var caller = BasicAuthentication.Identify(context.Request);
        if (caller != Caller.Authenticated)
        {
            throw RegistryResponses.CallerRefused(caller, "the registry API root");
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = 2;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.BodyWriter.WriteAsync("{}"u8.ToArray(), context.RequestAborted);
        }

        return "base";
    }

    /// <summary>
    /// Reads may be anonymous; credentials that are sent must be right (401, as from the Distribution registry),
    /// and when they could not be checked now the answer is 429 at once (no bcrypt was spent on them).
    /// </summary>
    private static void RequireReader(HttpContext context)
    {
        var caller = BasicAuthentication.Identify(context.Request);
        if (caller is Caller.Rejected or Caller.Throttled)
        {
            throw RegistryResponses.CallerRefused(caller, "reading");
        }
    }

    private static void RequireWriter(HttpContext context, string name)
    {
        var caller = BasicAuthentication.Identify(context.Request);
        if (caller != Caller.Authenticated)
        {
            throw RegistryResponses.CallerRefused(caller, $"{context.Request.Method} on repository '{RepositoryNames.Shorten(name)}'");
        }
    }

    private string ResolveName(HttpContext context, string name) =>
        _registry.ResolveName(name, context.Request.Query.TryGetValue("ns", out var ns) ? ns.ToString() : null);

    private static void Unlimited(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = null;
        }
    }

    private static RegistryException MethodNotAllowed(HttpContext context, string what) =>
        new(RegistryErrorCode.Unsupported, 405, $"{context.Request.Method} is not supported on {what}");
}
