using Kindling.Replication.Nodes;

namespace Kindling.Replication.Transfer;

/// <summary>
/// Sends a request to a node and turns transport failures into a <see cref="ReplicationException"/> naming the
/// method and URL; a <see cref="CorruptContentException"/> raised while an upload read its body comes out as itself.
/// </summary>
public static class NodeRequests
{
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            if (FindCorruption(e) is { } corrupt)
            {
                throw corrupt;
            }

            throw new ReplicationException($"{request.Method} {request.RequestUri}: {NodeEndpoints.Describe(e)}", e);
        }
    }

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
