using System.Text;
using System.Text.Json;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Kindling.Testing;

namespace Kindling.Artifacts.Tests.Registry;

/// <summary>A registry in a temporary folder, with helpers that push small images the way a client does.</summary>
internal sealed class RegistryFixture : IDisposable
{
    private readonly TempDirectory _dir = new("kindling-registry");

    public RegistryFixture() => Reopen();

    public string Root => _dir.Path;
    public BlobStore Blobs { get; private set; } = null!;
    public RegistryStore Registry { get; private set; } = null!;
    public UploadSessions Uploads { get; private set; } = null!;

    /// <summary>Opens the store again from disk, as a restarted server does.</summary>
    public void Reopen()
    {
        Blobs = BlobStore.Open(_dir.Path);
        Registry = RegistryStore.Open(Blobs);
        Uploads = UploadSessions.Open(Registry);
    }

    public Digest PushBlob(string name, byte[] content)
    {
        var digest = Blobs.Put(content);
        Registry.LinkBlob(name, digest);
        return digest;
    }

    /// <summary>Pushes a config and one layer, returns the image manifest bytes (not yet pushed).</summary>
    public byte[] ImageManifest(string name, string layerText, string? subject = null, string? artifactType = null)
    {
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\"}");
        var layer = Encoding.UTF8.GetBytes(layerText);
        var configDigest = PushBlob(name, config);
        var layerDigest = PushBlob(name, layer);
        return Manifest(configDigest, config.Length, layerDigest, layer.Length, subject, artifactType);
    }

    public static byte[] Manifest(Digest config, long configSize, Digest layer, long layerSize, string? subject = null, string? artifactType = null)
    {
        var manifest = new Dictionary<string, object?>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestDocument.OciManifest,
            ["config"] = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = config.Value, size = configSize },
            ["layers"] = new[] { new { mediaType = "application/vnd.oci.image.layer.v1.tar", digest = layer.Value, size = layerSize } },
        };
        if (subject is not null)
        {
            manifest["subject"] = new { mediaType = ManifestDocument.OciManifest, digest = subject, size = 100 };
        }

        if (artifactType is not null)
        {
            manifest["artifactType"] = artifactType;
        }

        return JsonSerializer.SerializeToUtf8Bytes(manifest);
    }

    public static byte[] Index(params StoredManifest[] manifests) =>
        JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = ManifestDocument.OciIndex,
            manifests = manifests.Select(m => new { mediaType = m.MediaType, digest = m.Digest.Value, size = m.Content.Length }).ToArray(),
        });

    public void Dispose() => _dir.Dispose();
}
