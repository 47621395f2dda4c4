using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Charts;

/// <summary>One chart version as the repository lists it: the archive's sha256 (hex) and where to download it.</summary>
internal sealed record ChartVersion(string Name, string Version, string Digest, string Url);

/// <summary>
/// A client of the ChartMuseum HTTP API (the node's chart repository): <c>GET /api/charts</c> lists every
/// version with its archive digest, archives download from the listed URL and are checked against that digest,
/// <c>POST /api/charts</c> uploads (with <c>?force</c> to replace), <c>DELETE /api/charts/NAME/VERSION</c> removes.
/// </summary>
internal sealed class ChartRepositoryClient
{
    private readonly NodeApi _api;

    public ChartRepositoryClient(HttpClient http, Uri baseUrl, string? credentials = null) =>
        _api = new NodeApi(http, baseUrl, credentials, NodeErrorStyle.PlainText);

    public Uri BaseUrl => _api.BaseUrl;

    /// <summary>Every chart version, by chart name.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ChartVersion>>> ListAsync(CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Get, "api/charts");
        using var response = await _api.SendAsync(request, cancellationToken, bodyKind: "a chart list");
        await _api.EnsureSuccessAsync(response, "list the charts", cancellationToken);
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
        using var response = await _api.SendAsync(request, cancellationToken, maxBody: Artifacts.Charts.ChartArchive.MaxBytes, bodyKind: "a chart archive");
        await _api.EnsureSuccessAsync(response, $"download chart {chart.Name} {chart.Version}", cancellationToken);
        var archive = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var actual = Convert.ToHexStringLower(SHA256.HashData(archive));
        return string.Equals(actual, chart.Digest, StringComparison.OrdinalIgnoreCase)
            ? archive
            : throw new CorruptContentException($"{url}: the archive received hashes to sha256:{actual}, not the sha256:{chart.Digest} the repository lists: the source's copy is corrupt; it was not propagated");
    }

    public async Task UploadAsync(ChartVersion chart, byte[] archive, bool replace, CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Post, replace ? "api/charts?force" : "api/charts");
        request.Content = new ByteArrayContent(archive);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        using var response = await _api.SendAsync(request, cancellationToken);
        await _api.EnsureSuccessAsync(response, $"upload chart {chart.Name} {chart.Version}", cancellationToken);
    }

    public async Task DeleteAsync(string name, string version, CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Delete, $"api/charts/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(version)}");
        using var response = await _api.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await _api.EnsureSuccessAsync(response, $"delete chart {name} {version}", cancellationToken);
        }
    }
}
