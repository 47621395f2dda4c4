using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace Kindling.Replication.Tests.Support;

/// <summary>
/// Writes an OCI image layout (OCI Image Specification v1.1, "Image Layout") with real images made of gzip'd tar
/// layers of random bytes, a config whose diff_ids match and
/// an image manifest; <c>index.json</c> names them by <c>org.opencontainers.image.ref.name</c> for skopeo
/// (adding a reference again replaces it, as a re-tag).
/// </summary>
internal sealed class TestLayout
{
    // gzip, as registries store layers: skopeo would compress an uncompressed layer on push and change its digest.
    // Random bytes do not compress, so the gzip stream stores them (fast).
    private const string LayerType = "application/vnd.oci.image.layer.v1.tar+gzip";
    private readonly Dictionary<string, object> _refs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _diffIds = new(StringComparer.Ordinal);

    public TestLayout(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    }

    public string Directory { get; }

    public sealed record Blob(string MediaType, string Digest, long Size);

    /// <summary>A layer: a gzip'd tar holding one file of <paramref name="bytes"/> random bytes.</summary>
    public Blob AddLayer(long bytes)
    {
        var tarPath = Path.Combine(Directory, "layer.tmp");
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var payload = new MemoryStream();
            var chunk = new byte[1024 * 1024];
            for (long written = 0; written < bytes; written += chunk.Length)
            {
                Random.Shared.NextBytes(chunk);
                payload.Write(chunk, 0, (int)Math.Min(chunk.Length, bytes - written));
            }

            payload.Position = 0;
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"data/{Guid.NewGuid():N}.bin") { DataStream = payload });
        }

        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar.ToArray()));
        using (var file = File.Create(tarPath))
        using (var gzip = new GZipStream(file, CompressionLevel.NoCompression))
        {
            tar.Position = 0;
            tar.CopyTo(gzip);
        }

        string digest;
        using (var stream = File.OpenRead(tarPath))
        {
            digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        var size = new FileInfo(tarPath).Length;
        File.Move(tarPath, BlobPath(digest), overwrite: true);
        _diffIds[digest] = diffId;
        return new Blob(LayerType, digest, size);
    }

    /// <summary>An image made of <paramref name="layers"/>, tagged <paramref name="reference"/> (repository:tag).</summary>
    public Blob AddImage(string reference, params Blob[] layers)
    {
        var config = JsonSerializer.SerializeToUtf8Bytes(new
        {
            architecture = "amd64",
            os = "linux",
            config = new { Cmd = new[] { "/bin/true" }, Labels = new Dictionary<string, string> { ["ref"] = reference } },
            rootfs = new { type = "layers", diff_ids = layers.Select(l => _diffIds[l.Digest]).ToArray() },
        });
        var configBlob = WriteBlob("application/vnd.oci.image.config.v1+json", config);
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.manifest.v1+json",
            config = new { mediaType = configBlob.MediaType, digest = configBlob.Digest, size = configBlob.Size },
            layers = layers.Select(l => new { mediaType = l.MediaType, digest = l.Digest, size = l.Size }).ToArray(),
        });
        var blob = WriteBlob("application/vnd.oci.image.manifest.v1+json", manifest);
        _refs[reference] = new
        {
            mediaType = blob.MediaType,
            digest = blob.Digest,
            size = blob.Size,
            annotations = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = reference },
        };
        File.WriteAllBytes(Path.Combine(Directory, "index.json"),
            JsonSerializer.SerializeToUtf8Bytes(new { schemaVersion = 2, mediaType = "application/vnd.oci.image.index.v1+json", manifests = _refs.Values }));
        return blob;
    }

    public string BlobPath(string digest) => Path.Combine(Directory, "blobs", "sha256", digest["sha256:".Length..]);

    private Blob WriteBlob(string mediaType, byte[] content)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
        File.WriteAllBytes(BlobPath(digest), content);
        return new Blob(mediaType, digest, content.Length);
    }
}
