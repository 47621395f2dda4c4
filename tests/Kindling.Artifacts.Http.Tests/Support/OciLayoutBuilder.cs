using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace Kindling.Artifacts.Http.Tests.Support;

/// <summary>
/// Writes an OCI image layout (OCI Image Specification v1.1, "Image Layout") with real images: tar layers, a
/// config whose diff_ids match, manifests, and optionally a multi-arch index, as kubean's offline packages ship.
/// </summary>
internal sealed class OciLayoutBuilder
{
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json";
    public const string IndexType = "application/vnd.oci.image.index.v1+json";
    private readonly List<object> _refs = [];

    public OciLayoutBuilder(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    }

    public string Directory { get; }

    public sealed record Blob(string MediaType, string Digest, long Size);

    /// <summary>An image with one gzip layer holding <paramref name="files"/>; returns its manifest descriptor.</summary>
    public Blob AddImage(string architecture, IReadOnlyDictionary<string, byte[]> files, string? tag = null)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content), Mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead });
            }
        }

        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar.ToArray()));
        var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(tar.ToArray());
        }

        var layer = WriteBlob("application/vnd.oci.image.layer.v1.tar+gzip", gz.ToArray());
        return AddManifest(architecture, layer, diffId, tag);
    }

    /// <summary>An image whose single uncompressed layer is a tar of one random file of <paramref name="bytes"/> bytes, streamed to disk.</summary>
    public Blob AddLargeImage(long bytes, string? tag = null)
    {
        var payload = Path.Combine(Directory, "payload.bin");
        using (var file = File.Create(payload))
        {
            var chunk = new byte[1024 * 1024];
            for (long written = 0; written < bytes; written += chunk.Length)
            {
                Random.Shared.NextBytes(chunk);
                file.Write(chunk, 0, (int)Math.Min(chunk.Length, bytes - written));
            }
        }

        var tarPath = Path.Combine(Directory, "layer.tar");
        using (var tar = File.Create(tarPath))
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax))
        {
            writer.WriteEntry(payload, "data/payload.bin");
        }

        File.Delete(payload);
        string digest;
        using (var stream = File.OpenRead(tarPath))
        {
            digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        var size = new FileInfo(tarPath).Length;
        File.Move(tarPath, BlobPath(digest));
        return AddManifest("amd64", new Blob("application/vnd.oci.image.layer.v1.tar", digest, size), digest, tag);
    }

    /// <summary>A multi-arch index over <paramref name="manifests"/>.</summary>
    public Blob AddIndex(string tag, params (Blob Manifest, string Architecture)[] manifests)
    {
        var index = new
        {
            schemaVersion = 2,
            mediaType = IndexType,
            manifests = manifests.Select(m => new { mediaType = m.Manifest.MediaType, digest = m.Manifest.Digest, size = m.Manifest.Size, platform = new { architecture = m.Architecture, os = "linux" } }).ToArray(),
        };
        var blob = WriteBlob(IndexType, JsonSerializer.SerializeToUtf8Bytes(index));
        Tag(blob, tag);
        return blob;
    }

    public byte[] Read(string digest) => File.ReadAllBytes(BlobPath(digest));

    public string BlobPath(string digest) => Path.Combine(Directory, "blobs", "sha256", digest["sha256:".Length..]);

    private Blob AddManifest(string architecture, Blob layer, string diffId, string? tag)
    {
        var config = JsonSerializer.SerializeToUtf8Bytes(new
        {
            architecture,
            os = "linux",
            config = new { Cmd = new[] { "/bin/true" } },
            rootfs = new { type = "layers", diff_ids = new[] { diffId } },
        });
        var configBlob = WriteBlob("application/vnd.oci.image.config.v1+json", config);
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = ManifestType,
            config = new { mediaType = configBlob.MediaType, digest = configBlob.Digest, size = configBlob.Size },
            layers = new[] { new { mediaType = layer.MediaType, digest = layer.Digest, size = layer.Size } },
        });
        var blob = WriteBlob(ManifestType, manifest);
        if (tag is not null)
        {
            Tag(blob, tag);
        }

        return blob;
    }

    private Blob WriteBlob(string mediaType, byte[] content)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
        File.WriteAllBytes(BlobPath(digest), content);
        return new Blob(mediaType, digest, content.Length);
    }

    private void Tag(Blob blob, string tag)
    {
        _refs.Add(new
        {
            mediaType = blob.MediaType,
            digest = blob.Digest,
            size = blob.Size,
            annotations = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = tag },
        });
        File.WriteAllBytes(Path.Combine(Directory, "index.json"),
            JsonSerializer.SerializeToUtf8Bytes(new { schemaVersion = 2, mediaType = IndexType, manifests = _refs }));
    }
}
