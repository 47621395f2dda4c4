using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Kindling.Artifacts.Http.Content;

/// <summary>
/// Sends a file (a blob, a chart, an object) with <c>Range</c>, <c>ETag</c> and <c>If-None-Match</c>, through
/// pooled 256 KiB chunks: never a buffer of the file's size, whatever its size.
/// </summary>
internal static class FileResponse
{
    /// <summary>Writes the status, headers and (for GET) the body. Returns the number of body bytes sent.</summary>
    public static async Task<long> SendAsync(HttpContext context, string path, long size, string contentType, string etag,
        DateTimeOffset? lastModified = null)
    {
        var request = context.Request;
        var response = context.Response;
        var headers = response.Headers;
        headers.ETag = etag;
        headers.AcceptRanges = "bytes";
        if (lastModified is { } modified)
        {
            headers.LastModified = HeaderUtilities.FormatDate(modified);
        }

        if (request.Headers.IfNoneMatch.Count > 0 && request.Headers.IfNoneMatch.ToString().Contains(etag, StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return 0;
        }

        var range = ByteRange.Parse(request.Headers.Range.Count == 1 ? request.Headers.Range.ToString() : null, size, out var unsatisfiable);
        if (unsatisfiable)
        {
            response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
            headers.ContentRange = $"bytes */{size}";
            return 0;
        }

        response.ContentType = contentType;
        long offset = 0, count = size;
        if (range is { } r && (r.Start != 0 || r.Length != size))
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            headers.ContentRange = $"bytes {r.Start}-{r.End}/{size}";
            (offset, count) = (r.Start, r.Length);
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
        }

        response.ContentLength = count;
        if (HttpMethods.IsHead(request.Method) || count == 0)
        {
            return 0;
        }

        await CopyAsync(context, path, offset, count);
        return count;
    }

    private const int ChunkSize = 256 * 1024;

    /// <summary>
    /// Kestrel has no sendfile(2) and TLS needs the bytes in user space anyway; its SendFileAsync fallback reads 16 KiB
    /// at a time and flushes after each, which costs twice the CPU of this loop: 256 KiB pooled chunks read
    /// synchronously (the page cache answers) and one flush per chunk.
    /// </summary>
    private static async Task CopyAsync(HttpContext context, string path, long offset, long count)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var writer = context.Response.BodyWriter;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            await context.Response.StartAsync(context.RequestAborted);
            var position = offset;
            var end = offset + count;
            while (position < end)
            {
                var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(ChunkSize, end - position)), position);
                if (read == 0)
                {
                    throw new IOException($"{path} ended at byte {position}, before the {end} bytes announced");
                }

                position += read;
                var flush = await writer.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                if (flush.IsCanceled || flush.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
