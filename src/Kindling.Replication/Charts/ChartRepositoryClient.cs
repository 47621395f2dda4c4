using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Charts;

/// <summary>One chart version as the repository lists it: the archive's sha256 (hex) and where to download it.</summary>
public sealed record ChartVersion(string Name, string Version, string Digest, string Url);

/// <summary>
/// A client of the ChartMuseum HTTP API (the node's chart repository): <c>GET /api/charts</c> lists every
/// version with its archive digest, archives download from the listed URL and are checked against that digest,
/// <c>POST /api/charts</c> uploads (with <c>?force</c> to replace), <c>DELETE /api/charts/NAME/VERSION</c> removes.
/// </summary>
public sealed class ChartRepositoryClient
{
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _authorization;

    public ChartRepositoryClient(HttpClient http, Uri baseUrl, string? credentials = null)
    {
        _http = http;
        BaseUrl = new Uri(baseUrl.GetLeftPart(UriPartial.Authority) + "/");
        _authorization = credentials is null ? null : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
    }

    public Uri BaseUrl { get; }

    /// <summary>Every chart version, by chart name.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ChartVersion>>> ListAsync(CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, "api/charts");
        using var response = await NodeRequests.SendAsync(_http, request, cancellationToken, bodyKind: "a chart list");
        await EnsureSuccessAsync(response, "list the charts");
        try
        {
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var charts = new SortedDictionary<string, IReadOnlyList<ChartVersion>>(StringComparer.Ordinal);
            foreach (var chart in json.RootElement.EnumerateObject())
            {
                charts[chart.Name] = chart.Value.EnumerateArray().Select(v => new ChartVersion(
                    chart.Name,
                    v.GetProperty("version").GetString()!,
                    v.GetProperty("digest").GetString()!,
                    v.GetProperty("urls")[0].GetString()!)).ToList();
            }

            return charts;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new ReplicationException($"{BaseUrl}api/charts: not a ChartMuseum chart list ({e.Message})", e);
        }
    }

    /// <summary>Downloads a chart archive and checks it against the digest the repository lists.</summary>
    public async Task<byte[]> DownloadAsync(ChartVersion chart, CancellationToken cancellationToken)
    {
        var url = new Uri(BaseUrl, chart.Url);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        // A chart is read into memory whole: at most what a node accepts on upload.
        using var response = await NodeRequests.SendAsync(_http, request, cancellationToken, maxBody: Artifacts.Charts.ChartArchive.MaxBytes, bodyKind: "a chart archive");
        await EnsureSuccessAsync(response, $"download chart {chart.Name} {chart.Version}");
        var archive = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var actual = Convert.ToHexStringLower(SHA256.HashData(archive));
        return string.Equals(actual, chart.Digest, StringComparison.OrdinalIgnoreCase)
            ? archive
            : throw new CorruptContentException($"{url}: the archive received hashes to sha256:{actual}, not the sha256:{chart.Digest} the repository lists: the source's copy is corrupt; it was not propagated");
    }

    public async Task UploadAsync(ChartVersion chart, byte[] archive, bool replace, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, replace ? "api/charts?force" : "api/charts");
        request.Content = new ByteArrayContent(archive);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        using var response = await NodeRequests.SendAsync(_http, request, cancellationToken);
        await EnsureSuccessAsync(response, $"upload chart {chart.Name} {chart.Version}");
    }

    public async Task DeleteAsync(string name, string version, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Delete, $"api/charts/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(version)}");
        using var response = await NodeRequests.SendAsync(_http, request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, $"delete chart {name} {version}");
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string relative)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseUrl, relative));
        if (_authorization is not null)
        {
            request.Headers.Authorization = _authorization;
        }

        return request;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = (await NodeRequests.ErrorTextAsync(response)).Trim();
        var hint = response.StatusCode == HttpStatusCode.Unauthorized
            ? " (the target needs credentials: give --to-credentials FILE with one line user:password, e.g. DATA/admin-credentials)"
            : "";
        throw new ReplicationException($"cannot {what}: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}{hint}");
    }
}
