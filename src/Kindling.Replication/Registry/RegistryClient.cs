using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Registry;

/// <summary>A manifest as fetched: its bytes (checked against its digest), media type and digest.</summary>
internal sealed record FetchedManifest(Digest Digest, string MediaType, byte[] Content)
{
    public ManifestDocument Parse() => ManifestDocument.Parse(Content, MediaType);
}

/// <summary>
/// A client of the OCI Distribution Specification v1.1 API (<c>/v2/</c>): catalog and tag listing with
/// pagination, manifests and blobs by digest, single-request and two-step uploads, cross-repository mounts.
/// Reads are anonymous; writes carry HTTP Basic credentials (RFC 7617) when given.
/// </summary>
internal sealed partial class RegistryClient
{
    /// <summary>Every manifest type the nodes store, so a registry never has to refuse for want of an Accept entry.</summary>
    public static readonly string Accept = string.Join(", ", ManifestDocument.SupportedMediaTypes);

    private const int PageSize = 1000;
    /// <summary>The registry's errors: the first entry of the JSON <c>errors</c> array, else the text; a 401 asks for credentials.</summary>
    private static readonly NodeErrorStyle RegistryErrors = new(ErrorDetail, NodeApi.Unauthorized);

    private readonly NodeApi _api;

    public RegistryClient(HttpClient http, Uri baseUrl, string? credentials = null, bool singleRequestUploads = false)
    {
        _api = new NodeApi(http, baseUrl, credentials, RegistryErrors);
        SingleRequestUploads = singleRequestUploads;
    }

    public Uri BaseUrl => _api.BaseUrl;

    /// <summary>The registry takes a whole blob in one <c>POST ?digest=</c> (Kindling nodes do); otherwise POST then PUT.</summary>
    public bool SingleRequestUploads { get; }

    /// <summary>
    /// Checks the credentials once with <c>GET /v2/</c> before any parallel work: a wrong password is reported
    /// up front, and the node's bcrypt check (slow by design, remembered once it succeeded) runs once instead of
    /// once per parallel connection.
    /// </summary>
    public async Task CheckCredentialsAsync(CancellationToken cancellationToken)
    {
        if (!_api.HasCredentials)
        {
            return;
        }

        using var response = await SendAsync(HttpMethod.Get, "v2/", cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new ReplicationException($"{BaseUrl}v2/ refuses the credentials given for it (user '{_api.User}'): check the user:password file (the node's DATA/admin-credentials)");
        }

        await EnsureSuccessAsync(response, "check the credentials", cancellationToken);
    }

    /// <summary>Every repository, following <c>Link</c> pagination.</summary>
    public async Task<IReadOnlyList<string>> CatalogAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var next = $"v2/_catalog?n={PageSize}";
        while (next is not null)
        {
            using var response = await SendAsync(HttpMethod.Get, next, cancellationToken);
            await EnsureSuccessAsync(response, "list the catalog", cancellationToken);
            using var json = await JsonAsync(response, cancellationToken);
            if (json.RootElement.TryGetProperty("repositories", out var repositories) && repositories.ValueKind == JsonValueKind.Array)
            {
                names.AddRange(repositories.EnumerateArray().Select(r => r.GetString()!).Where(r => r is not null));
            }

            next = NextPage(response);
        }

        return names;
    }

    /// <summary>The repository's tags; empty when the repository does not exist.</summary>
    public async Task<IReadOnlyList<string>> TagsAsync(string repository, CancellationToken cancellationToken)
    {
        var tags = new List<string>();
        var next = $"v2/{repository}/tags/list?n={PageSize}";
        while (next is not null)
        {
            using var response = await SendAsync(HttpMethod.Get, next, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return tags;
            }

            await EnsureSuccessAsync(response, $"list the tags of {repository}", cancellationToken);
            using var json = await JsonAsync(response, cancellationToken);
            if (json.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                tags.AddRange(list.EnumerateArray().Select(t => t.GetString()!).Where(t => t is not null));
            }

            next = NextPage(response);
        }

        return tags;
    }

    /// <summary>The digest a tag or digest names, from a HEAD; null when the registry does not have it.</summary>
    public async Task<Digest?> ManifestDigestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Head, $"v2/{repository}/manifests/{reference}");
        request.Headers.TryAddWithoutValidation("Accept", Accept);
        using var response = await SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, $"check manifest {repository}:{reference}", cancellationToken);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var digest, out _))
        {
            return digest;
        }

        // A registry that does not send the digest: fetch and hash.
        return (await ManifestAsync(repository, reference, cancellationToken))?.Digest;
    }

    /// <summary>
    /// Fetches a manifest and checks its bytes: against the digest when fetched by digest, against the registry's
    /// <c>Docker-Content-Digest</c> when fetched by tag. Null when the registry does not have it.
    /// </summary>
    public async Task<FetchedManifest?> ManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, $"v2/{repository}/manifests/{reference}");
        request.Headers.TryAddWithoutValidation("Accept", Accept);
        // Distribution's limit (4 MiB): a larger answer is refused before it is read whole.
        using var response = await _api.SendAsync(request, cancellationToken, maxBody: ManifestDocument.MaxBytes, bodyKind: "a manifest");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, $"fetch manifest {repository}:{reference}", cancellationToken);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (content.Length > ManifestDocument.MaxBytes)
        {
            throw new ReplicationException($"{Url(repository, reference)}: manifest of {content.Length} bytes is larger than the {ManifestDocument.MaxBytes} byte limit");
        }

        var digest = Digest.Of(content);
        var expected = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference
            : response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        if (expected is not null && expected != digest.Value)
        {
            throw new CorruptContentException($"{Url(repository, reference)}: the manifest received hashes to {digest}, not the {expected} the source names: the source's copy is corrupt; it was not propagated");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType ?? ManifestDocument.OciManifest;
        return new FetchedManifest(digest, mediaType, content);
    }

    public async Task PutManifestAsync(string repository, string reference, FetchedManifest manifest, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Put, $"v2/{repository}/manifests/{reference}");
        request.Content = new ByteArrayContent(manifest.Content);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        using var response = await SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, $"store manifest {repository}:{reference} ({manifest.Digest})", cancellationToken);
    }

    /// <summary>Deletes a tag (the Kindling node and OCI v1.1 allow it) or a manifest by digest.</summary>
    public async Task DeleteManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"v2/{repository}/manifests/{reference}", cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, $"delete {repository}:{reference}", cancellationToken);
        }
    }

    private string Url(string repository, string reference) => $"{BaseUrl}v2/{repository}/manifests/{reference}";

    private HttpRequestMessage Request(HttpMethod method, string relative) => _api.Request(method, relative);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, CancellationToken cancellationToken) =>
        _api.SendAsync(method, relative, cancellationToken);

    private Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _api.SendAsync(request, cancellationToken);

    private Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken) =>
        _api.EnsureSuccessAsync(response, what, cancellationToken);

    private static async Task<JsonDocument> JsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw new ReplicationException($"{response.RequestMessage?.RequestUri}: the answer is not JSON ({e.Message})", e);
        }
    }

    /// <summary>The next page from an RFC 8288 <c>Link: &lt;url&gt;; rel="next"</c> header, relative to the base URL.</summary>
    internal static string? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links)
        {
            var open = link.IndexOf('<', StringComparison.Ordinal);
            var close = link.IndexOf('>', StringComparison.Ordinal);
            if (open >= 0 && close > open && link.Contains("rel=\"next\"", StringComparison.Ordinal))
            {
                var target = link[(open + 1)..close];
                // Not Uri.TryCreate alone: on Linux "/v2/..." parses as an absolute file: URI.
                if (target.StartsWith("http", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(target, UriKind.Absolute, out var absolute))
                {
                    target = absolute.PathAndQuery;
                }

                return target.TrimStart('/');
            }
        }

        return null;
    }

    /// <summary>The registry's error code and message from an OCI error body (<c>{"errors":[{"code","message"}]}</c>), else the text.</summary>
    private static string ErrorDetail(string body)
    {
        if (!body.StartsWith('{'))
        {
            return body;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var first = errors[0];
                return $"{first.GetProperty("code").GetString()} {(first.TryGetProperty("message", out var m) ? m.GetString() : "")}";
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
        }

        return "";
    }
}
