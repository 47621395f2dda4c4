using System.Net;
using System.Text.Json;
using Kindling.Health.Probes;

namespace Kindling.Health.Failover;

/// <summary>Whether the primary holds what the backup holds, checked before a failback.</summary>
public readonly record struct ParityResult(bool Match, string Detail);

/// <summary>The content-parity gate: failback waits until it reports a match.</summary>
public interface IContentParityGate
{
    Task<ParityResult> CheckAsync(FailoverRecord record, CancellationToken cancellationToken);
}

/// <summary>
/// Compares the content digests the nodes publish at <c>GET /kindling/v1/content-digest</c> (JSON with a
/// top-level <c>digest</c>, built by the sync issue): every primary address must report the digest every
/// backup address reports.
/// </summary>
internal sealed class ContentDigestGate(ProbeFactory probes) : IContentParityGate
{
    public async Task<ParityResult> CheckAsync(FailoverRecord record, CancellationToken cancellationToken)
    {
        if (record.Parity is not { } parity)
        {
            return new ParityResult(true, "no parity gate");
        }

        var backup = await Task.WhenAll(record.Backup.Select(a => DigestAsync(parity, a, cancellationToken)));
        var primary = await Task.WhenAll(record.Primary.Select(a => DigestAsync(parity, a, cancellationToken)));
        var failed = backup.Concat(primary).FirstOrDefault(d => d.Digest is null);
        if (failed.Url is not null)
        {
            return new ParityResult(false, $"{failed.Url}: {failed.Error}");
        }

        var backupDigests = backup.Select(d => d.Digest).Distinct(StringComparer.Ordinal).ToList();
        if (backupDigests.Count > 1)
        {
            return new ParityResult(false, $"the backup addresses disagree: {string.Join(", ", backup.Select(d => $"{d.Url} {d.Digest}"))}");
        }

        var differing = primary.FirstOrDefault(d => !string.Equals(d.Digest, backupDigests[0], StringComparison.Ordinal));
        return differing.Url is null
            ? new ParityResult(true, $"both report {backupDigests[0]}")
            : new ParityResult(false, $"primary {differing.Url} reports {differing.Digest}, backup reports {backupDigests[0]}");
    }

    private async Task<(string Url, string? Digest, string? Error)> DigestAsync(ParitySpec parity, IPAddress address, CancellationToken cancellationToken)
    {
        var check = new CheckSpec { Kind = ProbeKind.Https, UrlTemplate = parity.UrlTemplate, CaFile = parity.CaFile, Host = parity.Host };
        var url = check.UrlFor(address);
        using var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        if (parity.CaFile is not null)
        {
            handler.SslOptions = TlsTrust.Trusting(probes.TrustedCas(parity.CaFile));
        }

        using var client = new HttpClient(handler) { Timeout = parity.Timeout };
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (parity.Host is not null)
            {
                request.Headers.Host = parity.Host;
            }

            using var response = await client.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (url, null, $"status {(int)response.StatusCode}");
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("digest", out var digest) && digest.ValueKind == JsonValueKind.String
                ? (url, digest.GetString(), null)
                : (url, null, "the response has no top-level \"digest\" string");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            return (url, null, e is TaskCanceledException ? "timed out" : ProbeFailure.Describe(e));
        }
    }
}
