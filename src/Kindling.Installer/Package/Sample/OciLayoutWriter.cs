using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Package.Sample;

/// <summary>
/// Writes an OCI image layout (OCI Image Format Specification v1.1: image-layout, manifest, image-index, config):
/// content-addressed blobs, then index.json naming each image by its full reference. JSON is written with a fixed
/// property order, so digests are stable.
/// </summary>
internal sealed class OciLayoutWriter(string directory)
{
    private readonly List<(string Reference, Descriptor Descriptor)> _entries = [];

    /// <summary>A gzip'd tar layer; returns its descriptor and diff_id (digest of the uncompressed tar).</summary>
    public (Descriptor Layer, Digest DiffId) WriteLayer(Action<TarGzWriter> fill, CompressionLevel level = CompressionLevel.Optimal)
    {
        Digest diffId = default;
        var layer = WriteBlob(ManifestDocument.OciLayerGzip, stream =>
        {
            using var tar = new TarGzWriter(stream, level);
            fill(tar);
            diffId = tar.Finish().Plain;
        });
        return (layer, diffId);
    }

    /// <summary>Writes a config and a manifest for an image of the given layers; returns the manifest's descriptor.</summary>
    public Descriptor WriteImage(string architecture, IReadOnlyList<(Descriptor Layer, Digest DiffId)> layers, string entrypoint, string title)
    {
        var config = WriteJson(ManifestDocument.OciConfig, w =>
        {
            w.WriteString("created", TarGzWriter.Epoch.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("architecture", architecture);
            w.WriteString("os", "linux");
            w.WriteStartObject("config");
            w.WriteStartArray("Entrypoint");
            w.WriteStringValue(entrypoint);
            w.WriteEndArray();
            w.WriteStartArray("Env");
            w.WriteStringValue("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            w.WriteEndArray();
            w.WriteStartObject("Labels");
            w.WriteString("org.opencontainers.image.title", title);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("rootfs");
            w.WriteString("type", "layers");
            w.WriteStartArray("diff_ids");
            foreach (var (_, diffId) in layers)
            {
                w.WriteStringValue(diffId.ToString());
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        return WriteJson(ManifestDocument.OciManifest, w =>
        {
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", ManifestDocument.OciManifest);
            w.WritePropertyName("config");
            WriteDescriptor(w, config);
            w.WriteStartArray("layers");
            foreach (var (layer, _) in layers)
            {
                WriteDescriptor(w, layer);
            }

            w.WriteEndArray();
        }) with { Platform = $"linux/{architecture}" };
    }

    /// <summary>An image index (multi-architecture image) over manifests that carry their platform.</summary>
    public Descriptor WriteIndex(IReadOnlyList<Descriptor> manifests) => WriteJson(ManifestDocument.OciIndex, w =>
    {
        w.WriteNumber("schemaVersion", 2);
        w.WriteString("mediaType", ManifestDocument.OciIndex);
        w.WriteStartArray("manifests");
        foreach (var manifest in manifests)
        {
            WriteDescriptor(w, manifest);
        }

        w.WriteEndArray();
    });

    /// <summary>Names an image (manifest or index) in index.json with its full upstream reference.</summary>
    public void Tag(string reference, Descriptor descriptor) => _entries.Add((reference, descriptor));

    /// <summary>Writes oci-layout and index.json.</summary>
    public void Finish()
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        File.WriteAllBytes(Path.Combine(directory, "index.json"), Json(w =>
        {
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", ManifestDocument.OciIndex);
            w.WriteStartArray("manifests");
            foreach (var (reference, descriptor) in _entries)
            {
                WriteDescriptor(w, descriptor with { Platform = null }, reference);
            }

            w.WriteEndArray();
        }));
    }

    public Descriptor WriteBlob(string mediaType, Action<Stream> write)
    {
        var blobs = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var temp = Path.Combine(blobs, $".upload-{Guid.NewGuid():N}");
        Digest digest;
        long size;
        using (var file = File.Create(temp))
        using (var digesting = new DigestingWriteStream(file))
        {
            write(digesting);
            digest = digesting.Digest();
            size = digesting.Written;
        }

        File.Move(temp, Path.Combine(blobs, digest.Hex), overwrite: true);
        return new Descriptor(mediaType, digest, size);
    }

    private Descriptor WriteJson(string mediaType, Action<Utf8JsonWriter> body)
    {
        var bytes = Json(body);
        return WriteBlob(mediaType, s => s.Write(bytes));
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteDescriptor(Utf8JsonWriter w, Descriptor d, string? reference = null)
    {
        w.WriteStartObject();
        w.WriteString("mediaType", d.MediaType);
        w.WriteString("digest", d.Digest.ToString());
        w.WriteNumber("size", d.Size);
        if (reference is not null)
        {
            w.WriteStartObject("annotations");
            w.WriteString(PackageLayout.RefNameAnnotation, reference);
            w.WriteEndObject();
        }

        if (d.Platform is { } platform)
        {
            var parts = platform.Split('/');
            w.WriteStartObject("platform");
            w.WriteString("architecture", parts[1]);
            w.WriteString("os", parts[0]);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
