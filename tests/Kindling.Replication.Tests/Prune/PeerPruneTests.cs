using System.Text;
using System.Text.Json;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Kindling.Replication.Nodes;
using Kindling.Replication.Prune;
using Kindling.Replication.Registry;
using Kindling.Replication.Tests.Support;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Prune;

/// <summary>
/// <c>--prune-peer</c>: the manifests a prune removed are deleted on the peer only where the peer's own collection
/// would not keep them (a tag, a tagged index, a referrer of either).
/// </summary>
public class PeerPruneTests
{
    private const string Repo = "library/multi";

    [Fact]
    public async Task PrunedManifests_ChildrenOfATaggedIndexOnThePeerAndItsReferrer_Kept_WithTheirBlobs_OthersDeleted()
    {
        using var work = new TempDirectory("kindling-peer-prune");
        await using var peer = await TestNode.StartAsync(TestNode.PrimaryAddress, work.File("peer"));
        var trust = NodeTrust.FromFiles([peer.CaFile]);
        using var http = NodeHttp.CreateClient(trust, 4);
        var registry = new RegistryClient(http, new Uri(peer.RegistryUrl + "/"), peer.Credentials);
        var ct = TestContext.Current.CancellationToken;

        // On the peer: an index tagged "1.0" whose two children are referenced only through it, a signature of the
        // index (a referrer, untagged), and an untagged image nothing reaches.
        var amd = await PushManifestAsync(registry, "amd64 layer", null, ct);
        var arm = await PushManifestAsync(registry, "arm64 layer", null, ct);
        var index = Json(new
        {
            schemaVersion = 2,
            mediaType = ManifestDocument.OciIndex,
            manifests = new[] { amd, arm }.Select(m => new { mediaType = ManifestDocument.OciManifest, digest = m.Manifest.Value, size = m.Size }).ToArray(),
        });
        await registry.PutManifestAsync(Repo, "1.0", new FetchedManifest(Digest.Of(index), ManifestDocument.OciIndex, index), ct);
        var signature = await PushManifestAsync(registry, "signature", (Digest.Of(index), index.Length), ct);
        var orphan = await PushManifestAsync(registry, "orphan layer", null, ct);

        var result = await PeerPrune.RunAsync(new PeerPruneRequest
        {
            Peer = new Uri(peer.RegistryUrl),
            Trust = trust,
            Credentials = peer.Credentials,
            Items = [],
            Manifests = [.. new[] { amd, arm, signature, orphan }.Select(m => (Repo, m.Manifest.Value))],
        }, ct);

        Assert.True(result.Succeeded, string.Join("\n", result.Failures));
        Assert.Equal([$"manifest {Repo}@{orphan.Manifest}"], result.Removed);
        Assert.Equal(3, result.Kept.Count);
        Assert.Contains(result.Kept, k => k.StartsWith($"manifest {Repo}@{amd.Manifest}: in index {Repo}@{Digest.Of(index)} (tagged {Repo}:1.0)", StringComparison.Ordinal));
        Assert.Contains(result.Kept, k => k.StartsWith($"manifest {Repo}@{signature.Manifest}: a referrer of {Digest.Of(index)}", StringComparison.Ordinal));
        foreach (var kept in new[] { amd, arm, signature })
        {
            Assert.NotNull(await registry.ManifestDigestAsync(Repo, kept.Manifest.Value, ct));
        }

        Assert.Null(await registry.ManifestDigestAsync(Repo, orphan.Manifest.Value, ct));

        // The peer's own collection then keeps the children's blobs and frees the deleted image's layer.
        await NodeMaintenance.GcAsync(peer.DataDirectory, "--grace", "0", "--delete-untagged");
        Assert.All(new[] { amd, arm, signature }, m => Assert.True(NodeMaintenance.HasBlob(peer.DataDirectory, m.Layer.Value), $"{m.Layer} of {m.Manifest}"));
        Assert.False(NodeMaintenance.HasBlob(peer.DataDirectory, orphan.Layer.Value));
    }

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    /// <summary>Uploads a config and one layer, then the manifest by digest (untagged); with a subject, a referrer.</summary>
    private static async Task<(Digest Manifest, long Size, Digest Layer)> PushManifestAsync(RegistryClient registry, string layerText, (Digest Digest, int Size)? subject, CancellationToken ct)
    {
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"x\":\"{layerText}\"}}");
        var layer = Encoding.UTF8.GetBytes(layerText);
        foreach (var blob in new[] { config, layer })
        {
            using var stream = new MemoryStream(blob);
            await registry.UploadBlobAsync(Repo, Digest.Of(blob), stream, blob.Length, ct);
        }

        var manifest = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestDocument.OciManifest,
            ["config"] = new { mediaType = ManifestDocument.OciConfig, digest = Digest.Of(config).Value, size = config.Length },
            ["layers"] = new[] { new { mediaType = ManifestDocument.OciLayerGzip, digest = Digest.Of(layer).Value, size = layer.Length } },
        };
        if (subject is { } s)
        {
            manifest["subject"] = new { mediaType = ManifestDocument.OciIndex, digest = s.Digest.Value, size = s.Size };
            manifest["artifactType"] = "application/vnd.example.signature";
        }

        var content = Json(manifest);
        var digest = Digest.Of(content);
        await registry.PutManifestAsync(Repo, digest.Value, new FetchedManifest(digest, ManifestDocument.OciManifest, content), ct);
        return (digest, content.Length, Digest.Of(layer));
    }
}
