using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Kindling.Demo;

/// <summary>
/// Pushes a one-layer image over the OCI distribution API (POST + PUT ?digest= for each blob, then the manifest),
/// as a CI job or an operator would push a hotfix image to the node that is active during a failover.
/// </summary>
internal static class ImagePush
{
    public static async Task<string> PushAsync(HttpClient client, string registry, string repository, string tag, string user, string password, string note, CancellationToken cancellationToken)
    {
        var auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        var layer = Layer(note);
        var layerDigest = Digest(layer);
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest(Uncompressed(note)) + "\"]},\"config\":{}}");
        var configDigest = Digest(config);
        foreach (var (blob, digest) in new[] { (layer, layerDigest), (config, configDigest) })
        {
            using var start = new HttpRequestMessage(HttpMethod.Post, $"{registry}/v2/{repository}/blobs/uploads/");
            start.Headers.Authorization = auth;
            using var started = await client.SendAsync(start, cancellationToken);
            Check(started, "start an upload");
            var location = started.Headers.Location!;
            var upload = location.IsAbsoluteUri ? location : new Uri(new Uri(registry), location);
            var separator = upload.Query.Length > 0 ? "&" : "?";
            using var put = new HttpRequestMessage(HttpMethod.Put, $"{upload}{separator}digest={Uri.EscapeDataString(digest)}") { Content = new ByteArrayContent(blob) };
            put.Headers.Authorization = auth;
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var done = await client.SendAsync(put, cancellationToken);
            Check(done, $"upload blob {digest}");
        }

        var manifest = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{configDigest}}","size":{{config.Length}}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{layerDigest}}","size":{{layer.Length}}}]}""");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{registry}/v2/{repository}/manifests/{tag}") { Content = new ByteArrayContent(manifest) };
        request.Headers.Authorization = auth;
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
        using var response = await client.SendAsync(request, cancellationToken);
        Check(response, $"put manifest {repository}:{tag}");
        return Digest(manifest);
    }

    private static void Check(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {response.ReasonPhrase} from {response.RequestMessage?.RequestUri}");
        }
    }

    private static byte[] Uncompressed(string note)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "hotfix.txt")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(note + "\n")),
                ModificationTime = DateTimeOffset.UnixEpoch,
            };
            writer.WriteEntry(entry);
        }

        return tar.ToArray();
    }

    private static byte[] Layer(string note)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Uncompressed(note));
        }

        return output.ToArray();
    }

    private static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}
