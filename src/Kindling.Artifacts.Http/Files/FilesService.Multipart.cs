using System.Xml.Linq;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Kindling.Artifacts.Http.Files.S3Responses;

namespace Kindling.Artifacts.Http.Files;

/// <summary>Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload.</summary>
internal sealed partial class FilesService
{
    /// <summary>CreateMultipartUpload, UploadPart, CompleteMultipartUpload and AbortMultipartUpload on an object.</summary>
    private async ValueTask<string> MultipartAsync(HttpContext context, string bucket, string key, string? payloadHash)
    {
        var method = context.Request.Method;
        var query = context.Request.Query;
        var resource = $"/{bucket}/{key}";
        var uploadId = query["uploadId"].ToString();
        var uploads = _files.Multipart;
        try
        {
            if (HttpMethods.IsPost(method) && query.ContainsKey("uploads"))
            {
                await StartMultipartAsync(context, bucket, key);
                return "multipart";
            }

            if (HttpMethods.IsPut(method) && query.ContainsKey("partNumber"))
            {
                await UploadPartAsync(context, bucket, key, uploadId, payloadHash);
                return "multipart";
            }

            if (HttpMethods.IsPost(method))
            {
                await CompleteMultipartAsync(context, bucket, key, uploadId);
                return "multipart";
            }

            if (HttpMethods.IsDelete(method))
            {
                uploads.Abort(bucket, key, uploadId);
                logger.LogInformation("files: multipart upload {Id} of {Bucket}/{Key} aborted", uploadId, bucket, key);
                context.Response.StatusCode = 204;
                return "multipart";
            }

            await ErrorAsync(context, 501, "NotImplemented", $"{method} with uploadId (ListParts) is not supported", resource);
            return "multipart";
        }
        catch (MultipartException e)
        {
            logger.LogWarning("files: {Method} {Resource} (upload {Id}) refused: {Error}", method, resource, uploadId, e.Message);
            await ErrorAsync(context, e.Code switch { "NoSuchUpload" => 404, "SlowDown" => 503, _ => 400 }, e.Code, e.Message, resource);
            return "multipart";
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            await ErrorAsync(context, 400, "EntityTooLarge", TooLarge(), resource);
            return "multipart";
        }
        catch (InvalidDataException e)
        {
            logger.LogWarning("files: {Method} {Resource} (upload {Id}) refused: {Error}", method, resource, uploadId, e.Message);
            await ErrorAsync(context, 400, "XAmzContentSHA256Mismatch", e.Message, resource);
            return "multipart";
        }
    }

    /// <summary>CreateMultipartUpload: a new upload ID for the object.</summary>
    private async Task StartMultipartAsync(HttpContext context, string bucket, string key)
    {
        EnsureRoom(context, $"a multipart upload of {bucket}/{key}");
        var id = _files.Multipart.Create(bucket, key);
        logger.LogInformation("files: multipart upload {Id} of {Bucket}/{Key} started", id, bucket, key);
        await WriteXmlAsync(context, 200, new XElement(Ns + "InitiateMultipartUploadResult",
            new XElement(Ns + "Bucket", bucket), new XElement(Ns + "Key", key), new XElement(Ns + "UploadId", id)));
    }

    /// <summary>UploadPart: the body stored as part <c>partNumber</c> of the upload, answered with its ETag.</summary>
    private async Task UploadPartAsync(HttpContext context, string bucket, string key, string uploadId, string? payloadHash)
    {
        var resource = $"/{bucket}/{key}";
        var query = context.Request.Query;
        if (context.Request.Headers.ContainsKey("x-amz-copy-source"))
        {
            await ErrorAsync(context, 501, "NotImplemented", "UploadPartCopy (x-amz-copy-source) is not supported", resource);
            return;
        }

        if (!int.TryParse(query["partNumber"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            await ErrorAsync(context, 400, "InvalidArgument", $"partNumber '{query["partNumber"]}' is not a whole number", resource);
            return;
        }

        if (!TryBody(context, payloadHash, out var body, out var expected, out var refusal))
        {
            await ErrorAsync(context, 501, "NotImplemented", refusal, resource);
            return;
        }

        EnsureUploadRoom(context, $"part {number} of multipart upload {uploadId} of {bucket}/{key}", bucket, key, uploadId);
        LimitBody(context);
        var (md5, size) = await _files.Multipart.PutPartAsync(bucket, key, uploadId, number, body, expected, context.RequestAborted);
        context.Items[Registry.RegistryService.BytesReceivedKey] = size;
        context.Response.Headers.ETag = $"\"{md5}\"";
        context.Response.StatusCode = 200;
        context.Response.ContentLength = 0;
    }

    /// <summary>CompleteMultipartUpload: the named parts, in order, stored as the object.</summary>
    private async Task CompleteMultipartAsync(HttpContext context, string bucket, string key, string uploadId)
    {
        var resource = $"/{bucket}/{key}";
        EnsureUploadRoom(context, $"completing multipart upload {uploadId} of {bucket}/{key}", bucket, key, uploadId);
        var parts = await ReadCompleteRequestAsync(context);
        if (parts is null)
        {
            await ErrorAsync(context, 400, "MalformedXML", "the body is not a CompleteMultipartUpload document with Part/PartNumber and Part/ETag", resource);
            return;
        }

        var (stored, multipartETag) = await _files.Multipart.CompleteAsync(bucket, key, uploadId, parts, context.RequestAborted);
        logger.LogInformation("files: stored {Bucket}/{Key} ({Size} bytes) from {Parts} part(s) of upload {Id}", bucket, key, stored.Size, parts.Count, uploadId);
        await WriteXmlAsync(context, 200, new XElement(Ns + "CompleteMultipartUploadResult",
            new XElement(Ns + "Location", $"{context.Request.Scheme}://{context.Request.Host}{resource}"),
            new XElement(Ns + "Bucket", bucket), new XElement(Ns + "Key", key), new XElement(Ns + "ETag", $"\"{multipartETag}\"")));
    }

    /// <summary>
    /// <see cref="EnsureRoom"/> for a part or a completion: a refused upload is aborted, as when the disk fills during
    /// the write, so the parts it holds do not keep the space (the client starts a new upload).
    /// </summary>
    private void EnsureUploadRoom(HttpContext context, string what, string bucket, string key, string uploadId)
    {
        try
        {
            EnsureRoom(context, what + " (upload removed; start a new one)");
        }
        catch (StorageFullException)
        {
            try
            {
                _files.Multipart.Abort(bucket, key, uploadId);
            }
            catch (MultipartException)
            {
                // Not an upload: the refusal stands, NoSuchUpload would come next anyway.
            }

            throw;
        }
    }

    /// <summary>The parts a CompleteMultipartUpload body lists (at most 1 MiB of XML), or null when it is not one.</summary>
    private static async Task<List<PartReference>?> ReadCompleteRequestAsync(HttpContext context)
    {
        const int limit = 1024 * 1024;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        buffer.Position = 0;
        return CompleteMultipartRequest.Parse(buffer);
    }
}
