using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Kindling.Artifacts.Http.Content;

/// <summary>
/// Sends a file (a blob, a chart, an object) with <c>Range</c>, <c>ETag</c> and <c>If-None-Match</c>, through
/// the server's send-file path (<c>IHttpResponseBodyFeature.SendFileAsync</c>): on plain HTTP the kernel's
/// sendfile(2), over TLS a pooled-buffer copy; never through a managed buffer of the file's size.
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

        await response.SendFileAsync(path, offset, count, context.RequestAborted);
        return count;
    }
}
