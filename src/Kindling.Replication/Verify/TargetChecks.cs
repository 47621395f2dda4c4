using System.Net;
using System.Security.Cryptography;
using Kindling.Artifacts.Registry;
using Kindling.Replication.Charts;
using Kindling.Replication.Files;
using Kindling.Replication.Nodes;
using Kindling.Replication.Registry;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Verify;

/// <summary>
/// The seed's checks on one target (the domain, or one node), as a client sees it: the TLS certificate is valid
/// for the name used; a file downloads with its MD5 ETag; an image pulls with its manifest and every blob
/// digest-checked; the chart repository's <c>index.yaml</c> loads and a chart downloads with its listed digest.
/// </summary>
internal sealed class TargetChecks(HttpClient http, CertificateLog certificates, VerifyOptions options)
{
    public async Task<(List<CheckResult> Checks, NodeEndpoints? Node)> RunAsync(Uri url, CancellationToken cancellationToken)
    {
        var checks = new List<CheckResult>();
        NodeEndpoints node;
        try
        {
            node = await NodeEndpoints.DiscoverAsync(http, url, cancellationToken);
        }
        catch (ReplicationException e)
        {
            var seen = certificates.Find(url.Host);
            checks.Add(seen is { Valid: false }
                ? new CheckResult("tls", CheckStatus.Failed, $"{url.Authority}: the certificate is {seen.Describe()}")
                : new CheckResult("tls", CheckStatus.Failed, $"{url.Authority} not reached: {e.Message}"));
            return (checks, null);
        }

        var certificate = certificates.Find(url.Host);
        checks.Add(certificate is null
            ? new CheckResult("tls", url.Scheme == Uri.UriSchemeHttps ? CheckStatus.Failed : CheckStatus.Skipped, $"{url}: no TLS certificate was checked")
            : new CheckResult("tls", certificate.Valid ? CheckStatus.Ok : CheckStatus.Failed, $"{url.Authority}: certificate {certificate.Describe()}"));

        checks.Add(await GuardAsync("file", () => FileAsync(node, cancellationToken)));
        checks.Add(await GuardAsync("image", () => ImageAsync(node, cancellationToken)));
        checks.Add(await GuardAsync("charts", () => ChartsAsync(node, cancellationToken)));
        return (checks, node);
    }

    private static async Task<CheckResult> GuardAsync(string check, Func<Task<CheckResult>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (e is ReplicationException or CorruptContentException or RegistryException or HttpRequestException or IOException)
        {
            return new CheckResult(check, CheckStatus.Failed, e.Message);
        }
    }

    private async Task<CheckResult> FileAsync(NodeEndpoints node, CancellationToken cancellationToken)
    {
        if (node.Files is null)
        {
            return new CheckResult("file", CheckStatus.Skipped, "the node serves no file store");
        }

        var files = new ObjectStoreClient(http, node.Files);
        const string bucket = "kubean";
        StoredObject? item;
        if (options.File is { } key)
        {
            item = await files.HeadAsync(bucket, key, cancellationToken);
            if (item is null)
            {
                return new CheckResult("file", CheckStatus.Failed, $"{files.BaseUrl}{bucket}/{key}: not found");
            }
        }
        else
        {
            item = await files.FirstAsync(bucket, cancellationToken);
            if (item is null)
            {
                return new CheckResult("file", CheckStatus.Skipped, $"{files.BaseUrl}{bucket}: no files to download");
            }
        }

        await using var content = await files.OpenAsync(bucket, item, cancellationToken);
        await content.CopyToAsync(Stream.Null, cancellationToken);
        var check = ObjectStoreClient.IsMd5(item.ETag) ? $"MD5 = ETag {item.ETag}" : $"ETag {item.ETag} (multipart: not an MD5, not checked)";
        return new CheckResult("file", CheckStatus.Ok, $"{files.BaseUrl}{bucket}/{item.Key}: {item.Size} bytes, {check}");
    }

    private async Task<CheckResult> ImageAsync(NodeEndpoints node, CancellationToken cancellationToken)
    {
        if (node.Registry is null)
        {
            return new CheckResult("image", CheckStatus.Skipped, "the node serves no registry");
        }

        var registry = new RegistryClient(http, node.Registry);
        string repository, tag;
        if (options.Image is { } image)
        {
            var colon = image.LastIndexOf(':');
            (repository, tag) = colon > 0 && !image[colon..].Contains('/', StringComparison.Ordinal) ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
        }
        else
        {
            var catalog = await registry.CatalogAsync(cancellationToken);
            var first = catalog.Count > 0 ? catalog[0] : null;
            if (first is null)
            {
                return new CheckResult("image", CheckStatus.Skipped, $"{registry.BaseUrl}: the registry holds no images");
            }

            repository = first;
            var tags = await registry.TagsAsync(repository, cancellationToken);
            tag = tags.Count > 0 ? tags[0] : "latest";
        }

        var manifest = await registry.ManifestAsync(repository, tag, cancellationToken)
            ?? throw new ReplicationException($"{registry.BaseUrl}v2/{repository}/manifests/{tag}: not found");
        var top = manifest;
        var document = manifest.Parse();
        if (document.IsIndex)
        {
            // A client pulls one platform: the first the index lists.
            var child = document.Manifests.Count > 0 ? document.Manifests[0] : throw new ReplicationException($"{repository}:{tag}: an empty index");
            manifest = await registry.ManifestAsync(repository, child.Digest.Value, cancellationToken)
                ?? throw new ReplicationException($"{repository}@{child.Digest}: the index names a manifest the registry does not have");
            document = manifest.Parse();
        }

        long bytes = 0;
        foreach (var blob in document.Blobs.Where(b => !b.IsExternal))
        {
            await using var content = await registry.OpenBlobAsync(repository, blob.Digest, blob.Size, cancellationToken);
            await content.CopyToAsync(Stream.Null, cancellationToken);
            bytes += blob.Size;
        }

        var platform = top == manifest ? "" : $" (platform manifest {manifest.Digest})";
        return new CheckResult("image", CheckStatus.Ok,
            $"{node.Registry.Authority}/{repository}:{tag} {top.Digest}{platform}: manifest and {document.Blobs.Count} blobs ({bytes} bytes) digest-checked");
    }

    private async Task<CheckResult> ChartsAsync(NodeEndpoints node, CancellationToken cancellationToken)
    {
        if (node.Charts is null)
        {
            return new CheckResult("charts", CheckStatus.Skipped, "the node serves no chart repository");
        }

        var indexUrl = new Uri(node.Charts, "index.yaml");
        using var response = await NodeRequests.SendAsync(http, new HttpRequestMessage(HttpMethod.Get, indexUrl), cancellationToken, bodyKind: "index.yaml");
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new CheckResult("charts", CheckStatus.Failed, $"{indexUrl} answered {(int)response.StatusCode}");
        }

        var index = ChartIndex.Parse(await response.Content.ReadAsStringAsync(cancellationToken), indexUrl);
        var chosen = options.Chart is { } wanted
            ? index.FirstOrDefault(c => c.Name == wanted || $"{c.Name}:{c.Version}" == wanted || $"{c.Name}-{c.Version}" == wanted)
            : index.Count > 0 ? index[0] : null;
        if (chosen is null)
        {
            return options.Chart is null
                ? new CheckResult("charts", CheckStatus.Skipped, $"{indexUrl} loads; it lists no charts")
                : new CheckResult("charts", CheckStatus.Failed, $"{indexUrl} does not list chart '{options.Chart}'");
        }

        var archive = await new ChartRepositoryClient(http, node.Charts).DownloadAsync(chosen, cancellationToken);
        var digest = Convert.ToHexStringLower(SHA256.HashData(archive));
        return new CheckResult("charts", CheckStatus.Ok,
            $"{indexUrl} loads ({index.Count} chart versions); {chosen.Name} {chosen.Version} downloads with sha256 {digest} as listed");
    }
}
