using Kindling.Artifacts.Http.Content;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Registry;

/// <summary>Blobs (GET/HEAD with Range through send-file, DELETE) and uploads (POST, PATCH, PUT, GET, DELETE).</summary>
internal sealed partial class RegistryService
{
    private async ValueTask<string> BlobAsync(HttpContext context, RegistryRoute route)
    {
        var method = context.Request.Method;
        var digest = ParseDigest(route.Reference);
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            RequireReader(context);
            var name = ResolveName(context, route.Name);
            // A HEAD is how a pushing client checks a blob it then skips uploading: that protects it from collection.
            var size = HttpMethods.IsHead(method) ? _registry.CheckBlob(name, digest) : _registry.FindBlob(name, digest);
            if (size is null)
            {
                RepositoryNames.CheckName(name);
                throw RegistryException.BlobUnknown(name, digest.Value);
            }

            context.Response.Headers["Docker-Content-Digest"] = digest.Value;
            await FileResponse.SendAsync(context, store.Blobs.PathOf(digest), size.Value, "application/octet-stream", $"\"{digest.Value}\"");
            return "blob";
        }

        if (HttpMethods.IsDelete(method))
        {
            RequireWriter(context, route.Name);
            _registry.DeleteBlob(route.Name, digest);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.ContentLength = 0;
            return "blob";
        }

        throw MethodNotAllowed(context, "blobs");
    }

    private async ValueTask<string> UploadAsync(HttpContext context, RegistryRoute route)
    {
        var request = context.Request;
        var method = request.Method;
        RequireWriter(context, route.Name);
        RepositoryNames.CheckName(route.Name);
        Unlimited(context);
        if (route.Kind == RegistryRouteKind.UploadStart)
        {
            if (!HttpMethods.IsPost(method))
            {
                throw MethodNotAllowed(context, "the uploads collection");
            }

            await StartUploadAsync(context, route.Name);
            return "upload";
        }

        var session = store.Uploads.Get(route.Name, route.Reference);
        if (HttpMethods.IsPatch(method) || (HttpMethods.IsPut(method) && HasBody(request)))
        {
            await EnsureUploadRoomAsync($"blob upload {session.Id} to '{route.Name}'", request.ContentLength, session, context.RequestAborted);
        }

        if (HttpMethods.IsPatch(method))
        {
            var start = ParseContentRange(request.Headers.ContentRange.ToString(), request.ContentLength);
            await AppendAsync(context, session, start);
            UploadStatus(context, session, StatusCodes.Status202Accepted);
        }
        else if (HttpMethods.IsPut(method))
        {
            var digest = ParseDigest(request.Query["digest"].ToString());
            if (HasBody(request))
            {
                await AppendAsync(context, session, null);
            }

            var stored = await store.Uploads.CompleteAsync(session, digest, context.RequestAborted);
            BlobCreated(context, route.Name, stored);
        }
        else if (HttpMethods.IsGet(method))
        {
            UploadStatus(context, session, StatusCodes.Status204NoContent);
        }
        else if (HttpMethods.IsDelete(method))
        {
            await store.Uploads.CancelAsync(session, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        else
        {
            throw MethodNotAllowed(context, "an upload");
        }

        return "upload";
    }

    private async Task StartUploadAsync(HttpContext context, string name)
    {
        var query = context.Request.Query;
        if (query.TryGetValue("mount", out var mount))
        {
            var digest = ParseDigest(mount.ToString());
            if (_registry.Mount(name, digest, query["from"].ToString()))
            {
                BlobCreated(context, name, digest);
                return;
            }
        }

        if (query.TryGetValue("digest", out var monolithic))
        {
            // Single POST with the whole blob (spec: "POST then PUT" collapsed into one request).
            var digest = ParseDigest(monolithic.ToString());
            EnsureRoom($"blob {digest} for '{name}'", context.Request.ContentLength);
            try
            {
                var stored = await store.Blobs.PutAsync(context.Request.Body, digest, context.RequestAborted);
                _registry.LinkBlob(name, stored);
                BlobCreated(context, name, stored);
            }
            catch (DigestMismatchException e)
            {
                throw RegistryException.DigestInvalid($"blob for '{name}': {e.Message}; nothing was stored");
            }

            return;
        }

        EnsureRoom($"a blob upload to '{name}'", context.Request.ContentLength);
        var session = store.Uploads.Start(name, Access.LoginGate.ClientKey(context.Connection.RemoteIpAddress));
        UploadStatus(context, session, StatusCodes.Status202Accepted);
    }

    private async Task AppendAsync(HttpContext context, UploadSession session, long? start)
    {
        var before = session.Offset;
        try
        {
            await store.Uploads.AppendAsync(session, context.Request.Body, start, context.RequestAborted);
        }
        finally
        {
            context.Items[BytesReceivedKey] = session.Offset - before;
        }

        if (context.Request.ContentLength is { } length && session.Offset - before != length)
        {
            throw new RegistryException(RegistryErrorCode.BlobUploadInvalid, 400,
                $"upload {session.Id}: received {session.Offset - before} of the {length} bytes announced; resume from byte {session.Offset}");
        }
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>
    /// Refuses a write up front (507, <see cref="StorageFullException.Early"/>) when the data folder is below the node's
    /// minimum free space or the announced length would take it there.
    /// </summary>
    private void EnsureRoom(string what, long? length) => store.Blobs.Space.EnsureRoom(what, length);

    /// <summary>
    /// As <see cref="EnsureRoom"/> for a chunk of an upload session in progress: the session is removed when refused,
    /// as when the disk fills during a write, so its bytes do not hold the space.
    /// </summary>
    private async Task EnsureUploadRoomAsync(string what, long? length, UploadSession session, CancellationToken cancellationToken)
    {
        try
        {
            EnsureRoom(what, length);
        }
        catch (StorageFullException)
        {
            await store.Uploads.CancelAsync(session, cancellationToken);
            throw;
        }
    }

    /// <summary>The key under which upload handlers leave the bytes they took in, for the metrics.</summary>
    internal const string BytesReceivedKey = "kindling.bytesIn";

    private static void UploadStatus(HttpContext context, UploadSession session, int status)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.Location = $"/v2/{session.Name}/blobs/uploads/{session.Id}";
        response.Headers["Docker-Upload-UUID"] = session.Id;
        // Distribution's convention: "0-0" for an empty upload, else 0-(offset-1).
        response.Headers["Range"] = $"0-{Math.Max(0, session.Offset - 1)}";
        response.ContentLength = 0;
    }

    private static void BlobCreated(HttpContext context, string name, Digest digest)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = $"/v2/{name}/blobs/{digest}";
        response.Headers["Docker-Content-Digest"] = digest.Value;
        response.ContentLength = 0;
    }

    private static Digest ParseDigest(string text) =>
        Digest.TryParse(text, out var digest, out var error) ? digest.Value : throw RegistryException.DigestInvalid(error);

    /// <summary>
    /// The spec's chunk header <c>Content-Range: start-end</c> (also accepted with a <c>bytes</c> unit): returns
    /// the start, after checking it agrees with Content-Length.
    /// </summary>
    private static long? ParseContentRange(string header, long? contentLength)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var text = header.Trim();
        if (text.StartsWith("bytes", StringComparison.OrdinalIgnoreCase))
        {
            text = text[5..].TrimStart(' ', '=');
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            text = text[..slash];
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !long.TryParse(text[..dash], out var start) || !long.TryParse(text[(dash + 1)..], out var end) || end < start || start < 0)
        {
            throw new RegistryException(RegistryErrorCode.RangeInvalid, 416, $"Content-Range '{RepositoryNames.Shorten(header)}' is not 'start-end'");
        }

        if (contentLength is { } length && length != end - start + 1)
        {
            throw new RegistryException(RegistryErrorCode.RangeInvalid, 416,
                $"Content-Range {start}-{end} announces {end - start + 1} bytes, but Content-Length is {length}");
        }

        return start;
    }
}
