using System.Globalization;
using Kindling.Replication.Nodes;

namespace Kindling.Replication.Transfer;

/// <summary>
/// Sends a request to a node and turns transport failures into a <see cref="ReplicationException"/> naming the
/// method and URL; a <see cref="CorruptContentException"/> raised while an upload read its body comes out as itself.
/// A body read whole (the default, <see cref="HttpCompletionOption.ResponseContentRead"/>) is read up to a limit,
/// so a hostile or broken node cannot fill this process's memory: a longer answer is refused, naming URL and limit.
/// </summary>
internal static class NodeRequests
{
    /// <summary>The largest JSON, XML or YAML answer read whole (chart lists, index.yaml, catalog and listing pages, content digests).</summary>
    public const long MaxDocumentBytes = 64L * 1024 * 1024;

    /// <summary>How much of an error answer is read for its message.</summary>
    public const int MaxErrorBytes = 64 * 1024;

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, long maxBody = MaxDocumentBytes, string bodyKind = "a listing or document")
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            if (FindCorruption(e) is { } corrupt)
            {
                throw corrupt;
            }

            throw new ReplicationException($"{request.Method} {request.RequestUri}: {NodeEndpoints.Describe(e)}", e);
        }

        if (completion == HttpCompletionOption.ResponseHeadersRead)
        {
            return response;
        }

        try
        {
            // An error answer is read only for its message.
            await BufferAsync(response, response.IsSuccessStatusCode ? maxBody : MaxErrorBytes, bodyKind, truncate: !response.IsSuccessStatusCode, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>The start of an error answer's text (at most <see cref="MaxErrorBytes"/>), for a message; empty when it cannot be read.</summary>
    public static async Task<string> ErrorTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await BufferAsync(response, MaxErrorBytes, "an error", truncate: true, cancellationToken);
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or ReplicationException)
        {
            return "";
        }
    }

    /// <summary>Replaces the response's content with its first bytes, read up to <paramref name="limit"/>.</summary>
    private static async Task BufferAsync(HttpResponseMessage response, long limit, string kind, bool truncate, CancellationToken cancellationToken)
    {
        var original = response.Content;
        if (original is ByteArrayContent or null)
        {
            return; // already read (or nothing to read)
        }

        var url = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}";
        if (!truncate && original.Headers.ContentLength > limit)
        {
            throw TooLarge(url, original.Headers.ContentLength, limit, kind);
        }

        var buffer = new MemoryStream();
        try
        {
            await using var stream = await original.ReadAsStreamAsync(cancellationToken);
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    if (truncate)
                    {
                        buffer.Write(chunk, 0, (int)(limit - buffer.Length));
                        break;
                    }

                    throw TooLarge(url, null, limit, kind);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new ReplicationException($"{url}: the answer broke off: {NodeEndpoints.Describe(e)}", e);
        }

        var content = new ByteArrayContent(buffer.GetBuffer(), 0, (int)buffer.Length);
        foreach (var header in original.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (truncate)
        {
            content.Headers.ContentLength = buffer.Length;
        }

        response.Content = content;
        original.Dispose();
    }

    private static ReplicationException TooLarge(string url, long? size, long limit, string kind) =>
        new($"{url}: the answer is {(size is { } n ? $"{n.ToString("N0", CultureInfo.InvariantCulture)} bytes, over" : "larger than")} the {Describe(limit)} limit for {kind}; "
            + "a broken or hostile source? nothing from this answer was used");

    private static string Describe(long limit) =>
        limit % (1024 * 1024) == 0 ? $"{limit / (1024 * 1024)} MiB" : $"{limit.ToString("N0", CultureInfo.InvariantCulture)} bytes";

    private static CorruptContentException? FindCorruption(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is CorruptContentException corrupt)
            {
                return corrupt;
            }
        }

        return null;
    }
}
