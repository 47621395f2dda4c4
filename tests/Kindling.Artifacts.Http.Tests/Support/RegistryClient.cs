using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kindling.Artifacts.Http.Tests.Support;

/// <summary>Pushes with plain HTTP requests, the way the OCI Distribution Specification describes (for protocol-level tests).</summary>
internal static class RegistryClient
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    public static string DigestOf(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    public static async Task<string> PushBlobAsync(NodeFixture node, string name, byte[] content)
    {
        var digest = DigestOf(content);
        using var start = await node.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/", authenticated: true);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!.ToString();
        using var put = await node.SendAsync(HttpMethod.Put, $"{location}?digest={digest}", authenticated: true, new ByteArrayContent(content));
        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());
        return digest;
    }

    /// <summary>Pushes a config and a layer, then the manifest under <paramref name="tag"/>; returns the manifest bytes.</summary>
    public static async Task<byte[]> PushImageAsync(NodeFixture node, string name, string tag, string layerText = "layer", string? subject = null)
    {
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
        var layer = Encoding.UTF8.GetBytes(layerText);
        var configDigest = await PushBlobAsync(node, name, config);
        var layerDigest = await PushBlobAsync(node, name, layer);
        var manifest = Manifest(configDigest, config.Length, layerDigest, layer.Length, subject);
        using var put = await PutManifestAsync(node, name, tag, manifest);
        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());
        return manifest;
    }

    public static byte[] Manifest(string config, long configSize, string layer, long layerSize, string? subject = null)
    {
        var manifest = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = config, size = configSize },
            ["layers"] = new[] { new { mediaType = "application/vnd.oci.image.layer.v1.tar", digest = layer, size = layerSize } },
        };
        if (subject is not null)
        {
            manifest["subject"] = new { mediaType = OciManifest, digest = subject, size = 10 };
            manifest["artifactType"] = "application/vnd.example.sbom";
        }

        return JsonSerializer.SerializeToUtf8Bytes(manifest);
    }

    public static Task<HttpResponseMessage> PutManifestAsync(NodeFixture node, string name, string reference, byte[] manifest, string mediaType = OciManifest)
    {
        var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return node.SendAsync(HttpMethod.Put, $"/v2/{name}/manifests/{reference}", authenticated: true, content);
    }

    /// <summary>The first error code of a registry error body.</summary>
    public static async Task<string> ErrorCodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString()!;
    }
}
