using System.Net;
using System.Text;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Artifacts.Maintenance;

namespace Kindling.Artifacts.Http.Tests.Maintenance;

/// <summary>
/// Online collection against pushes over HTTP: a HEAD of a blob protects it for the push that checked it, whatever
/// else is deleted meanwhile; a GET (a pull) protects nothing.
/// </summary>
public class PushProtectionTests
{
    private const string Name = "library/shared";

    [Fact]
    public async Task HeadOfASharedLayer_ImageDeleted_Collected_ThePushThatCheckedItStillStoresItsManifest()
    {
        await using var node = await NodeFixture.StartAsync();
        var a = await RegistryClient.PushImageAsync(node, Name, "a", "shared layer");
        var layer = RegistryClient.DigestOf("shared layer"u8.ToArray());
        var configA = System.Text.Json.JsonDocument.Parse(a).RootElement.GetProperty("config").GetProperty("digest").GetString()!;

        // Push B checks the shared layer (HEAD: there, so no upload) and uploads its own config; someone pulls A's config.
        using (var head = await node.SendAsync(HttpMethod.Head, $"/v2/{Name}/blobs/{layer}", authenticated: true))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        using (var pull = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/blobs/{configA}", authenticated: true))
        {
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        }

        var configB = Encoding.UTF8.GetBytes("{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
        var configBDigest = await RegistryClient.PushBlobAsync(node, Name, configB);

        using (var delete = await node.SendAsync(HttpMethod.Delete, $"/v2/{Name}/manifests/{RegistryClient.DigestOf(a)}", authenticated: true))
        {
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }

        var report = GarbageCollector.Collect(node.Host.Store, new GcOptions { Grace = TimeSpan.Zero });
        using var put = await RegistryClient.PutManifestAsync(node, Name, "b", RegistryClient.Manifest(configBDigest, configB.Length, layer, "shared layer".Length));

        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain(report.RemovedBlobs, r => r.Digest.Value == layer);
        Assert.Contains(report.RemovedBlobs, r => r.Digest.Value == configA); // pulled, not checked: it goes with its image
        using var pulled = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/blobs/{layer}", authenticated: true);
        Assert.Equal(HttpStatusCode.OK, pulled.StatusCode);
    }
}
