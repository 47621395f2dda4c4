using System.Text.Json.Nodes;
using Kindling.Artifacts.Charts;
using Kindling.Artifacts.Content;
using Kindling.Artifacts.Http.Common;
using Kindling.Artifacts.Http.Content;
using Kindling.Artifacts.Http.Hosting;
using Kindling.Artifacts.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Charts;

/// <summary>
/// The Helm chart repository on the charts port, compatible with ChartMuseum's HTTP API: <c>/index.yaml</c>,
/// <c>/charts/NAME-VERSION.tgz</c>, <c>/api/charts[/NAME[/VERSION]]</c> (GET, POST upload, DELETE) and <c>/health</c>.
/// Reads are anonymous; uploads and deletes need HTTP Basic credentials.
/// </summary>
internal sealed class ChartsService(NodeStore store, int port, string scheme, bool allowPlainWrites, ILogger logger) : NodeService(ContentKind.Charts.Service(), port, scheme)
{
    private readonly ChartStore _charts = store.Charts;

    public override async ValueTask<string> HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        try
        {
            if (path == "/index.yaml" && IsRead(method))
            {
                await WriteAsync(context, 200, _charts.Index(), "application/x-yaml");
                return "index";
            }

            if (path.StartsWith("/charts/", StringComparison.Ordinal) && IsRead(method))
            {
                var chart = _charts.FindFile(path["/charts/".Length..]);
                if (chart is null)
                {
                    return await ErrorAsync(context, 404, $"no chart archive {path}");
                }

                await FileResponse.SendAsync(context, _charts.PathOf(chart), chart.Size, "application/gzip", $"\"{chart.Digest.Hex}\"", chart.Created);
                return "archive";
            }

            if (path == "/health")
            {
                await WriteJsonAsync(context, 200, new JsonObject { ["healthy"] = true });
                return "health";
            }

            if (path == "/api/charts" || path.StartsWith("/api/charts/", StringComparison.Ordinal))
            {
                return await ApiAsync(context, path["/api/charts".Length..].Trim('/'));
            }

            return await ErrorAsync(context, 404, $"{path} is not part of the chart repository API");
        }
        catch (StorageFullException e)
        {
            // 507 Insufficient Storage with the JSON error body of every other refusal here (ChartMuseum has no
            // code of its own for it: its storage backends answer 500).
            logger.LogError("charts: {Method} {Path}: {Error}", method, path, e.Message);
            await WriteJsonAsync(context, 507, new JsonObject { ["error"] = e.ClientMessage });
            return "api";
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            logger.LogInformation("charts: {Method} {Path}: client went away", method, path);
            return "other";
        }
    }

    private async ValueTask<string> ApiAsync(HttpContext context, string rest)
    {
        var method = context.Request.Method;
        var parts = rest.Length == 0 ? [] : rest.Split('/');
        if (parts.Length > 2 || parts.Any(p => !ChartArchive.IsValidName(p) && !ChartArchive.IsValidVersion(p)))
        {
            return await ErrorAsync(context, 400, $"'{rest}' is not NAME or NAME/VERSION");
        }

        if (HttpMethods.IsPost(method) && parts.Length == 0)
        {
            return await UploadAsync(context);
        }

        if (HttpMethods.IsDelete(method) && parts.Length == 2)
        {
            return await DeleteAsync(context, parts[0], parts[1]);
        }

        if (!IsRead(method))
        {
            return await ErrorAsync(context, 405, $"{method} is not supported on /api/charts/{rest}");
        }

        switch (parts.Length)
        {
            case 0:
                await WriteJsonAsync(context, 200, JsonTree.From(_charts.All().ToDictionary(p => p.Key, p => p.Value.Select(ChartStore.Entry).ToList()))!);
                break;
            case 1:
                var versions = _charts.List(parts[0]);
                if (versions.Count == 0)
                {
                    return await ErrorAsync(context, 404, $"chart {parts[0]} not found");
                }

                await WriteJsonAsync(context, 200, JsonTree.From(versions.Select(ChartStore.Entry).ToList())!);
                break;
            default:
                var chart = _charts.Find(parts[0], parts[1]);
                if (chart is null)
                {
                    return await ErrorAsync(context, 404, $"chart {parts[0]} version {parts[1]} not found");
                }

                await WriteJsonAsync(context, 200, JsonTree.From(ChartStore.Entry(chart))!);
                break;
        }

        return "api";
    }

    /// <summary><c>DELETE /api/charts/NAME/VERSION</c>.</summary>
    private async ValueTask<string> DeleteAsync(HttpContext context, string name, string version)
    {
        if (await RefuseWriteAsync(context) is { } refused)
        {
            return refused;
        }

        if (!_charts.Delete(name, version))
        {
            return await ErrorAsync(context, 404, $"chart {name} version {version} not found");
        }

        logger.LogInformation("charts: deleted {Name} {Version}", name, version);
        await WriteJsonAsync(context, 200, new JsonObject { ["deleted"] = true });
        return "api";
    }

    private async ValueTask<string> UploadAsync(HttpContext context)
    {
        if (await RefuseWriteAsync(context) is { } refused)
        {
            return refused;
        }

        var request = context.Request;
        var tooLarge = $"the chart archive is larger than the {ChartArchive.MaxBytes / (1024 * 1024)} MiB limit; nothing was stored";
        if (request.ContentLength > ChartArchive.MaxBytes + FormOverhead)
        {
            return await ErrorAsync(context, 413, tooLarge);
        }

        store.Blobs.Space.EnsureRoom("a chart upload", request.ContentLength);

        // Counted while streaming, chunked bodies too: Kestrel stops reading past this and throws (no buffering first).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = ChartArchive.MaxBytes + FormOverhead;
        }

        byte[]? archive;
        try
        {
            archive = await ReadArchiveAsync(context);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return await ErrorAsync(context, 413, tooLarge);
        }
        catch (Exception e) when (e is BadHttpRequestException or InvalidDataException || (e is IOException && !context.RequestAborted.IsCancellationRequested))
        {
            // InvalidDataException: the form reader's own limits (line, header and section sizes); IOException: a form cut short.
            return await ErrorAsync(context, 400, $"the upload is malformed: {e.Message}; nothing was stored");
        }

        if (archive is null)
        {
            return await ErrorAsync(context, 400, "the form has no 'chart' file");
        }

        if (archive.Length == 0 && context.Items.ContainsKey(TooLargeKey))
        {
            return await ErrorAsync(context, 413, tooLarge);
        }

        return await StoreAsync(context, archive);
    }

    /// <summary>Stores a received archive (replacing its version with <c>?force</c>): 201, 409 when the version exists, 400 when not a chart.</summary>
    private async ValueTask<string> StoreAsync(HttpContext context, byte[] archive)
    {
        try
        {
            var stored = _charts.Put(archive, context.Request.Query.ContainsKey("force"));
            logger.LogInformation("charts: stored {Name} {Version} ({Digest})", stored.Metadata.Name, stored.Metadata.Version, stored.Digest);
            await WriteJsonAsync(context, 201, new JsonObject { ["saved"] = true });
        }
        catch (ChartConflictException e)
        {
            return await ErrorAsync(context, 409, e.Message);
        }
        catch (ChartException e)
        {
            return await ErrorAsync(context, 400, $"chart refused: {e.Message}");
        }

        return "api";
    }

    /// <summary>Room for a multipart form's boundaries and part headers around the archive.</summary>
    private const long FormOverhead = 1024 * 1024;

    private const string TooLargeKey = "kindling.chartTooLarge";

    /// <summary>The uploaded archive (at most the limit plus one read), or null when a form has no file.</summary>
    private static async Task<byte[]?> ReadArchiveAsync(HttpContext context)
    {
        var request = context.Request;
        // curl --data-binary (ChartMuseum's documented upload) labels the raw archive x-www-form-urlencoded: only a
        // multipart form is read as a form.
        if (request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
        {
            // ChartMuseum's form upload: field "chart" (a "prov" file is accepted and ignored).
            var form = await request.ReadFormAsync(context.RequestAborted);
            var file = form.Files.GetFile("chart") ?? (form.Files.Count > 0 ? form.Files[0] : null);
            if (file is null)
            {
                return null;
            }

            if (file.Length > ChartArchive.MaxBytes)
            {
                context.Items[TooLargeKey] = true;
                return [];
            }

            using var copy = new MemoryStream((int)file.Length);
            await file.CopyToAsync(copy, context.RequestAborted);
            return copy.ToArray();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > ChartArchive.MaxBytes)
            {
                // Stop at the limit: the rest is never read.
                context.Items[TooLargeKey] = true;
                return [];
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private async ValueTask<string?> RefuseWriteAsync(HttpContext context)
    {
        if (!context.Request.IsHttps && !allowPlainWrites)
        {
            return await ErrorAsync(context, 403, "writes over plain HTTP are refused (credentials would travel in clear): use HTTPS, or start the node with plain-HTTP writes allowed");
        }

        switch (BasicAuthentication.Identify(context.Request))
        {
            case Caller.Authenticated:
                return null;
            case Caller.Throttled:
                return await ErrorAsync(context, 429, "too many wrong passwords from this address, or too many password checks at once: the credentials were not checked; retry after the Retry-After seconds");
            default:
                context.Response.Headers.WWWAuthenticate = BasicAuthentication.Challenge;
                return await ErrorAsync(context, 401, "uploading or deleting charts needs the node's admin credentials (HTTP Basic)");
        }
    }

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);

    private async ValueTask<string> ErrorAsync(HttpContext context, int status, string message)
    {
        if (status is not (404 or 401))
        {
            logger.LogWarning("charts: {Method} {Path} refused, {Status}: {Message}", context.Request.Method, context.Request.Path, status, message);
        }

        await WriteJsonAsync(context, status, new JsonObject { ["error"] = message });
        return "api";
    }

    private static Task WriteJsonAsync(HttpContext context, int status, JsonNode value) =>
        WriteAsync(context, status, JsonTree.ToUtf8(value, indented: false, omitNulls: false), "application/json");

    private static async Task WriteAsync(HttpContext context, int status, byte[] body, string contentType)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
