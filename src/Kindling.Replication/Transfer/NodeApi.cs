using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Kindling.Replication.Transfer;

/// <summary>
/// One node HTTP API as the replication clients (registry, chart repository, object store) speak to it: requests
/// relative to the node's base URL carrying HTTP Basic credentials (RFC 7617) when given, sent through
/// <see cref="NodeRequests"/> (bounded bodies, transport failures naming the URL), and one error rule for every
/// protocol: <c>cannot WHAT: METHOD URL answered STATUS: DETAIL</c>, the detail taken from a bounded read of the
/// error body (under the caller's token) by the protocol's own <see cref="NodeErrorStyle"/>.
/// </summary>
internal sealed class NodeApi
{
    /// <summary>The longest error detail a message carries.</summary>
    public const int MaxDetailChars = 300;

    /// <summary>What a refusal for want of credentials adds to the message.</summary>
    public const string CredentialsHint = " (the target needs credentials: give --to-credentials FILE with one line user:password, e.g. DATA/admin-credentials)";

    private readonly AuthenticationHeaderValue? _authorization;
    private readonly NodeErrorStyle _errors;

    public NodeApi(HttpClient http, Uri baseUrl, string? credentials, NodeErrorStyle errors)
    {
        Http = http;
        BaseUrl = new Uri(baseUrl.GetLeftPart(UriPartial.Authority) + "/");
        _authorization = credentials is null ? null : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        User = credentials?.Split(':')[0];
        _errors = errors;
    }

    public HttpClient Http { get; }

    /// <summary>The node's scheme, host and port, with a trailing slash.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The user of the credentials given, or null when requests are anonymous.</summary>
    public string? User { get; }

    public bool HasCredentials => _authorization is not null;

    /// <summary>A request to <paramref name="relative"/> (relative to <see cref="BaseUrl"/>, or absolute), with the credentials when given.</summary>
    public HttpRequestMessage Request(HttpMethod method, string relative) => Request(method, new Uri(BaseUrl, relative));

    public HttpRequestMessage Request(HttpMethod method, Uri url)
    {
        var request = new HttpRequestMessage(method, url);
        if (_authorization is not null)
        {
            request.Headers.Authorization = _authorization;
        }

        return request;
    }

    /// <inheritdoc cref="NodeRequests.SendAsync"/>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, long maxBody = NodeRequests.MaxDocumentBytes, string bodyKind = "a listing or document") =>
        NodeRequests.SendAsync(Http, request, cancellationToken, completion, maxBody, bodyKind);

    /// <summary>Sends a request without a body to <paramref name="relative"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, CancellationToken cancellationToken)
    {
        using var request = Request(method, relative);
        return await SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Throws a <see cref="ReplicationException"/> for an unsuccessful answer, naming what was tried, the method, URL and
    /// status, the protocol's error detail (at most <see cref="MaxDetailChars"/> characters) and, when the node asked
    /// for credentials, how to give them.
    /// </summary>
    public async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = (await NodeRequests.ErrorTextAsync(response, cancellationToken)).Trim();
        var detail = body.Length == 0 ? "" : _errors.Detail(body).Trim();
        if (detail.Length > MaxDetailChars)
        {
            detail = detail[..MaxDetailChars];
        }

        var hint = _errors.NeedsCredentials(response) ? CredentialsHint : "";
        throw new ReplicationException($"cannot {what}: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}"
            + (detail.Length > 0 ? ": " + detail : "") + hint);
    }

    /// <summary>Whether a node refused for want of credentials (401), the rule of the registry and chart APIs.</summary>
    public static bool Unauthorized(HttpResponseMessage response) => response.StatusCode == HttpStatusCode.Unauthorized;
}
