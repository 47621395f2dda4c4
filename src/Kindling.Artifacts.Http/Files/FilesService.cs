using Kindling.Artifacts.Access;
using Kindling.Artifacts.Content;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Http.Common;
using Kindling.Artifacts.Http.Content;
using Kindling.Artifacts.Http.Hosting;
using Kindling.Artifacts.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using static Kindling.Artifacts.Http.Files.S3Responses;

namespace Kindling.Artifacts.Http.Files;

/// <summary>
/// The file store on the files port with the MinIO/S3 REST API, path style: <c>GET /</c> (ListBuckets),
/// <c>GET /BUCKET?list-type=2</c> (ListObjectsV2, and V1 with <c>marker</c>), <c>GET/HEAD /BUCKET/KEY</c> with
/// Range, ETag, Last-Modified, Content-Type; <c>PUT</c>/<c>DELETE</c> with AWS Signature V4 or HTTP Basic, bodies
/// plain or aws-chunked (STREAMING-UNSIGNED-PAYLOAD-TRAILER); multipart uploads (<see cref="MultipartUploads"/>).
/// Bucket <c>kubean</c> is readable anonymously, as in DCE.
/// </summary>
internal sealed partial class FilesService(NodeStore store, int port, string scheme, bool allowPlainWrites, ILogger logger, TimeProvider time, long maxPutBytes)
    : NodeService(ContentKind.Files.Service(), port, scheme)
{
    private readonly FileStore _files = store.Files;

    public override string? Problem() => _files.Problems.Count == 0 ? null : string.Join("; ", _files.Problems);

    public override async ValueTask<string> HandleAsync(HttpContext context)
    {
        var (raw, rawPath, bucket, key) = RequestTarget(context);
        var method = context.Request.Method;
        try
        {
            return await RouteAsync(context, raw, rawPath, bucket, key);
        }
        catch (StorageFullException e)
        {
            // MinIO's answer when its drives are below their free-space threshold: 507 XMinioStorageFull.
            logger.LogError("files: {Method} {Target}: {Error}", method, raw, e.Message);
            await ErrorAsync(context, 507, StorageFullCode, e.ClientMessage, key.Length == 0 ? "/" + bucket : $"/{bucket}/{key}");
            return context.Request.Query.ContainsKey("uploadId") || context.Request.Query.ContainsKey("uploads") ? "multipart" : "object";
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            logger.LogInformation("files: {Method} {Target}: client went away; nothing stored", method, raw);
            return "object";
        }
    }

    /// <summary>Checks the caller, the bucket and the key, then hands the request to the bucket or object handler; returns the metrics route.</summary>
    private async ValueTask<string> RouteAsync(HttpContext context, string raw, string rawPath, string bucket, string key)
    {
        var method = context.Request.Method;
        var caller = Identify(context, rawPath);
        if (await RefuseCallerAsync(context, caller))
        {
            return "auth";
        }

        if (bucket.Length == 0)
        {
            await ListBucketsAsync(context, caller.Authenticated);
            return "buckets";
        }

        if (!ObjectKeys.IsValidBucket(bucket))
        {
            await ErrorAsync(context, 400, "InvalidBucketName", $"'{bucket}' is not a valid bucket name");
            return "object";
        }

        if (await RefuseAccessAsync(context, caller, bucket))
        {
            return "auth";
        }

        if (key.Length == 0)
        {
            return await BucketAsync(context, bucket);
        }

        if (ObjectKeys.Problem(key) is { } problem)
        {
            logger.LogWarning("files: {Method} {Target} refused: {Problem}", method, raw, problem);
            await ErrorAsync(context, 400, "InvalidArgument", $"object key refused: {problem}", "/" + bucket + "/" + key);
            return "object";
        }

        if (!_files.BucketExists(bucket))
        {
            await ErrorAsync(context, 404, "NoSuchBucket", $"bucket '{bucket}' does not exist");
            return "object";
        }

        return await ObjectAsync(context, bucket, key, caller.PayloadHash);
    }

    /// <summary>
    /// The request target as sent (what a signature covers), its path, and the bucket and object key it names
    /// (unescaped; "" when absent).
    /// </summary>
    private static (string Raw, string RawPath, string Bucket, string Key) RequestTarget(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var rawPath = raw.Split('?', 2)[0];
        var trimmed = rawPath.TrimStart('/');
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var bucket = Uri.UnescapeDataString(slash < 0 ? trimmed : trimmed[..slash]);
        var key = slash < 0 ? "" : Uri.UnescapeDataString(trimmed[(slash + 1)..]);
        return (raw, rawPath, bucket, key);
    }

    /// <summary>Answers a request whose signature is wrong or malformed, or whose password check was throttled; true when it did.</summary>
    private static async Task<bool> RefuseCallerAsync(HttpContext context, S3Caller caller)
    {
        if (caller.Error is { } signatureError)
        {
            if (caller.Malformed)
            {
                await ErrorAsync(context, 400, "AuthorizationHeaderMalformed", signatureError);
            }
            else
            {
                await ErrorAsync(context, 403, "SignatureDoesNotMatch", signatureError);
            }

            return true;
        }

        if (caller.Throttled)
        {
            await ErrorAsync(context, 503, "SlowDown", "too many wrong passwords from this address, or too many password checks at once: the credentials were not checked; retry after the Retry-After seconds");
            return true;
        }

        return false;
    }

    /// <summary>
    /// Answers a request the caller may not make: anonymous outside reads of the public bucket, or a write over plain
    /// HTTP unless allowed; true when it did.
    /// </summary>
    private async Task<bool> RefuseAccessAsync(HttpContext context, S3Caller caller, string bucket)
    {
        var method = context.Request.Method;
        var reading = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        if (!caller.Authenticated && !(reading && bucket == FileStore.PublicBucket))
        {
            await ErrorAsync(context, caller.Sent ? 403 : 401, "AccessDenied",
                reading ? $"bucket '{bucket}' is not public: sign the request with the node's admin credentials" : $"{method} needs the node's admin credentials (AWS Signature V4 or HTTP Basic)");
            return true;
        }

        if (!reading && !context.Request.IsHttps && !allowPlainWrites)
        {
            await ErrorAsync(context, 403, "AccessDenied", "writes over plain HTTP are refused (credentials and content would travel in clear): use HTTPS");
            return true;
        }

        return false;
    }

    /// <summary>MinIO's error code for a write refused for want of space (HTTP 507).</summary>
    internal const string StorageFullCode = "XMinioStorageFull";

    /// <summary>Refuses a write before it starts when the data folder is below the node's minimum free space (507).</summary>
    private void EnsureRoom(HttpContext context, string what)
    {
        var headers = context.Request.Headers;
        var length = long.TryParse(headers["x-amz-decoded-content-length"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var decoded)
            ? decoded
            : context.Request.ContentLength;
        store.Blobs.Space.EnsureRoom(what, length);
    }

    private async ValueTask<string> ObjectAsync(HttpContext context, string bucket, string key, string? payloadHash)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            await GetObjectAsync(context, bucket, key);
            return "object";
        }

        var query = context.Request.Query;
        if (query.ContainsKey("uploads") || query.ContainsKey("uploadId"))
        {
            return await MultipartAsync(context, bucket, key, payloadHash);
        }

        if (HttpMethods.IsPut(method))
        {
            await PutObjectAsync(context, bucket, key, payloadHash);
            return "object";
        }

        if (HttpMethods.IsDelete(method))
        {
            _files.Delete(bucket, key);
            context.Response.StatusCode = 204;
            return "object";
        }

        await ErrorAsync(context, 405, "MethodNotAllowed", $"{method} is not supported on objects");
        return "object";
    }

    /// <summary>GetObject and HeadObject: the object's bytes (or a range of them) with its ETag and type.</summary>
    private async Task GetObjectAsync(HttpContext context, string bucket, string key)
    {
        var file = _files.Find(bucket, key);
        if (file is null)
        {
            await ErrorAsync(context, 404, "NoSuchKey", "The specified key does not exist.", $"/{bucket}/{key}");
            return;
        }

        S3Responses.ProtectActiveContent(context, key);
        await FileResponse.SendAsync(context, file.Path, file.Size, S3Responses.ContentType(key), $"\"{_files.Md5Of(file)}\"", file.LastModified, file.Offset);
    }

    /// <summary>PutObject: the body stored whole (checked against the signed sha256 when there is one) or not at all.</summary>
    private async Task PutObjectAsync(HttpContext context, string bucket, string key, string? payloadHash)
    {
        if (context.Request.Headers.ContainsKey("x-amz-copy-source"))
        {
            await ErrorAsync(context, 501, "NotImplemented", "CopyObject (x-amz-copy-source) is not supported: download and upload the object instead", $"/{bucket}/{key}");
            return;
        }

        if (!TryBody(context, payloadHash, out var body, out var expected, out var refusal))
        {
            await ErrorAsync(context, 501, "NotImplemented", refusal);
            return;
        }

        EnsureRoom(context, $"object {bucket}/{key}");
        LimitBody(context);
        try
        {
            var stored = await _files.PutAsync(bucket, key, body, expected, context.RequestAborted);
            context.Items[Registry.RegistryService.BytesReceivedKey] = stored.Size;
            context.Response.Headers.ETag = $"\"{stored.Md5}\"";
            context.Response.StatusCode = 200;
            context.Response.ContentLength = 0;
            logger.LogInformation("files: stored {Bucket}/{Key} ({Size} bytes)", bucket, key, stored.Size);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            await ErrorAsync(context, 400, "EntityTooLarge", TooLarge(), $"/{bucket}/{key}");
        }
        catch (InvalidDataException e)
        {
            logger.LogWarning("files: PUT {Bucket}/{Key} refused: {Error}", bucket, key, e.Message);
            await ErrorAsync(context, 400, body is AwsChunkedStream ? "IncompleteBody" : "XAmzContentSHA256Mismatch", e.Message, $"/{bucket}/{key}");
        }
    }

    /// <summary>Room for aws-chunked framing (chunk sizes, trailers) around the object's bytes.</summary>
    private const long FramingAllowance = 64 * 1024 * 1024;

    /// <summary>Counts the body while it streams: Kestrel stops reading past the limit and throws (413), nothing is stored.</summary>
    private void LimitBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxPutBytes + (IsAwsChunked(context) ? FramingAllowance : 0);
        }
    }

    private static bool IsAwsChunked(HttpContext context) =>
        context.Request.Headers["x-amz-content-sha256"].ToString().StartsWith("STREAMING-", StringComparison.Ordinal);

    private string TooLarge() =>
        $"the body is larger than {maxPutBytes} bytes, the limit of one PutObject or UploadPart: send bigger objects as a multipart upload; nothing was stored";

    /// <summary>
    /// The request body as stored: decoded when it is aws-chunked without chunk signatures (what current AWS SDKs
    /// send by default), with the sha256 to check when the client signed the payload. Chunk-signed bodies
    /// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are refused with what to change.
    /// </summary>
    private static bool TryBody(HttpContext context, string? payloadHash, out Stream body, out string? expectedSha256, out string refusal)
    {
        body = context.Request.Body;
        expectedSha256 = payloadHash is null or SignatureV4.UnsignedPayload || payloadHash.StartsWith("STREAMING-", StringComparison.Ordinal) ? null : payloadHash;
        refusal = "";
        if (payloadHash == "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        {
            var decoded = long.TryParse(context.Request.Headers["x-amz-decoded-content-length"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : (long?)null;
            body = new AwsChunkedStream(context.Request.Body, decoded);
            return true;
        }

        if (payloadHash is not null && payloadHash.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            refusal = $"payload signing mode {payloadHash} (aws-chunked with chunk signatures) is not supported: use HTTPS, where clients send UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER";
            return false;
        }

        return true;
    }

    private S3Caller Identify(HttpContext context, string rawPath)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            return new S3Caller(false, false, null, null, false, false);
        }

        if (authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
        {
            var headers = context.Request.Headers;
            var request = new SignedRequest(context.Request.Method, rawPath, context.Request.QueryString.Value ?? "",
                name => name == "host" ? headers.Host.ToString() : headers.TryGetValue(name, out var v) ? v.ToString() : null);
            var error = SignatureV4.Verify(request, store.Credentials.SecretFor, time, out _, out var payloadHash, out var malformed);
            if (error is not null)
            {
                logger.LogWarning("files: {Method} {Path}: signature refused: {Error}", context.Request.Method, rawPath, error);
            }

            return new S3Caller(error is null, true, error, payloadHash, false, error is not null && malformed);
        }

        var caller = BasicAuthentication.Identify(context.Request);
        return new S3Caller(caller == Caller.Authenticated, caller != Caller.Anonymous, null, null, caller == Caller.Throttled, false);
    }
}
