using System.Text;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Kindling.Artifacts.Tests.Registry;
using Kindling.Testing;

namespace Kindling.Artifacts.Tests.Maintenance;

/// <summary>A whole node store in a temporary folder, with pushes made the way the registry API makes them.</summary>
internal sealed class StoreSample : IDisposable
{
    private readonly TempDirectory _dir = new("kindling-gc");

    public StoreSample() => Store = NodeStore.Open(_dir.Path);

    public string Root => _dir.Path;

    public NodeStore Store { get; private set; }

    /// <summary>Opens the folder again, as a restarted node (or the offline <c>node gc</c>) does: no in-memory push state.</summary>
    public void Reopen() => Store = NodeStore.Open(_dir.Path);

    public Digest PushBlob(string name, string text)
    {
        using var writer = Store.Blobs.CreateWriter();
        writer.Write(Encoding.UTF8.GetBytes(text));
        var digest = Store.Blobs.Commit(writer, null);
        Store.Registry.LinkBlob(name, digest);
        return digest;
    }

    /// <summary>Pushes a config and two layers (the first usually shared between images) and the manifest under <paramref name="tag"/>.</summary>
    public StoredManifest PushImage(string name, string tag, string sharedLayer, string ownLayer, string? subject = null)
    {
        var config = PushBlob(name, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"x\":\"" + ownLayer + "\"}");
        var shared = PushBlob(name, sharedLayer);
        var own = PushBlob(name, ownLayer);
        var manifest = Manifest((config, Store.Blobs.TryGetSize(config, out var c) ? c : 0), (shared, sharedLayer.Length), (own, ownLayer.Length), subject);
        return Store.Registry.PutManifest(name, tag, manifest, ManifestDocument.OciManifest);
    }

    public static byte[] Manifest((Digest Digest, long Size) config, (Digest Digest, long Size) layer1, (Digest Digest, long Size) layer2, string? subject = null)
    {
        var json = new StringBuilder();
        json.Append("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",");
        json.Append($"\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{config.Digest}\",\"size\":{config.Size}}},");
        json.Append($"\"layers\":[{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{layer1.Digest}\",\"size\":{layer1.Size}}},");
        json.Append($"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{layer2.Digest}\",\"size\":{layer2.Size}}}]");
        if (subject is not null)
        {
            json.Append($",\"subject\":{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{subject}\",\"size\":100}}");
        }

        json.Append('}');
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    public static byte[] Index(params StoredManifest[] manifests) => RegistryFixture.Index(manifests);

    /// <summary>Every blob an image needs is in the store and linked: it would pull.</summary>
    public bool Pulls(string name, string reference)
    {
        var manifest = Store.Registry.FindManifest(name, reference);
        if (manifest is null || !Store.Blobs.Exists(manifest.Digest))
        {
            return false;
        }

        return (manifest.Document?.Blobs ?? []).All(b => Store.Registry.FindBlob(name, b.Digest) is not null)
            && (manifest.Document?.Manifests ?? []).All(m => Pulls(name, m.Digest.Value));
    }

    public void Dispose() => _dir.Dispose();
}
