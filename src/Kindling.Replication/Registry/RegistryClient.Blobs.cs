using System.Net;
using System.Net.Http.Headers;
using Kindling.Artifacts.Storage;
using System.Security.Cryptography;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Registry;

/// <summary>Blobs: existence, download as a verified stream, upload (single request or POST + PUT), mount.</summary>
internal sealed partial class RegistryClient
{
    /// <summary>Whether the repository holds the blob (HEAD).</summary>
    public async Task<bool> BlobExistsAsync(string repository, Digest digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Head, $"v2/{repository}/blobs/{digest}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, $"check blob {repository}@{digest}", cancellationToken);
        return true;
    }

    /// <summary>
    /// Opens a blob for reading; the stream hashes what it passes on and fails, before handing out its last bytes,
    /// when the content does not match the digest or the expected size (so a corrupt source blob never completes
    /// an upload).
    /// </summary>
    public async Task<VerifiedStream> OpenBlobAsync(string repository, Digest digest, long expectedSize, CancellationToken cancellationToken)
    {
        var response = await SendForStreamAsync($"v2/{repository}/blobs/{digest}", cancellationToken);
        try
        {
            await EnsureSuccessAsync(response, $"fetch blob {repository}@{digest}", cancellationToken);
            var length = response.Content.Headers.ContentLength ?? expectedSize;
            if (length != expectedSize)
            {
                throw new CorruptContentException($"{BaseUrl}v2/{repository}/blobs/{digest}: the source serves {length} bytes, the manifest says {expectedSize}: the source's copy is corrupt; it was not propagated");
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new VerifiedStream(body, response, HashAlgorithmName.SHA256, Convert.FromHexString(digest.Hex), digest.Value, length, $"{BaseUrl}v2/{repository}/blobs/{digest}");
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Uploads a blob: one <c>POST ?digest=</c> with the body when the registry takes it, else POST then PUT.</summary>
    public async Task UploadBlobAsync(string repository, Digest digest, Stream content, long length, CancellationToken cancellationToken)
    {
        string location;
        if (SingleRequestUploads)
        {
            using var post = Request(HttpMethod.Post, $"v2/{repository}/blobs/uploads/?digest={digest}");
            post.Content = Body(content, length);
            using var response = await SendAsync(post, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return;
            }

            await EnsureSuccessAsync(response, $"upload blob {repository}@{digest}", cancellationToken);
            throw new ReplicationException($"{post.RequestUri} answered {(int)response.StatusCode} to a single-request upload; this registry needs POST then PUT");
        }

        using (var start = await SendAsync(HttpMethod.Post, $"v2/{repository}/blobs/uploads/", cancellationToken))
        {
            await EnsureSuccessAsync(start, $"start an upload to {repository}", cancellationToken);
            location = start.Headers.Location?.ToString() ?? throw new ReplicationException($"{start.RequestMessage?.RequestUri}: upload started without a Location header");
        }

        var separator = location.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var url = new Uri(BaseUrl, location + $"{separator}digest={Uri.EscapeDataString(digest.Value)}");
        using var put = _api.Request(HttpMethod.Put, url);
        put.Content = Body(content, length);
        using var completed = await SendAsync(put, cancellationToken);
        await EnsureSuccessAsync(completed, $"upload blob {repository}@{digest}", cancellationToken);
    }

    /// <summary>Cross-repository mount (OCI Distribution v1.1): true when the registry linked the blob from <paramref name="from"/>.</summary>
    public async Task<bool> MountAsync(string repository, Digest digest, string from, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"v2/{repository}/blobs/uploads/?mount={digest}&from={Uri.EscapeDataString(from)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return true;
        }

        if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is { } location)
        {
            // The registry started an ordinary upload instead: cancel it so no session is left open.
            using var cancel = Request(HttpMethod.Delete, location.ToString().TrimStart('/'));
            using var _ = await SendAsync(cancel, cancellationToken);
            return false;
        }

        await EnsureSuccessAsync(response, $"mount blob {digest} into {repository} from {from}", cancellationToken);
        return false;
    }

    private static StreamContent Body(Stream content, long length)
    {
        var body = new StreamContent(content, 256 * 1024);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        body.Headers.ContentLength = length;
        return body;
    }

    private async Task<HttpResponseMessage> SendForStreamAsync(string relative, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, relative);
        return await _api.SendAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
    }
}
