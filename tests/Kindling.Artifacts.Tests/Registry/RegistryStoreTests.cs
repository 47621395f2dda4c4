using System.Text;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Tests.Registry;

public class RegistryStoreTests
{
    private const string Name = "release.daocloud.io/kpanda/kpanda-apiserver";

    [Fact]
    public void PutManifest_ByTag_FoundByTagAndDigestAndSurvivesReopen()
    {
        using var f = new RegistryFixture();
        var content = f.ImageManifest(Name, "layer-1");

        var stored = f.Registry.PutManifest(Name, "v1", content, ManifestDocument.OciManifest);
        f.Reopen();

        var byTag = f.Registry.FindManifest(Name, "v1");
        Assert.NotNull(byTag);
        Assert.Equal(stored.Digest, byTag.Digest);
        Assert.Equal(content, byTag.Content);
        Assert.Equal(ManifestDocument.OciManifest, byTag.MediaType);
        Assert.Same(byTag, f.Registry.FindManifest(Name, stored.Digest.Value));
        Assert.Empty(f.Registry.Verify());
        Assert.True(Directory.Exists(Path.Combine(f.Root, "registry", "release.daocloud.io", "kpanda", "kpanda-apiserver", "_manifests", "tags")));
    }

    [Fact]
    public void PutManifest_MissingBlob_RefusedWithManifestBlobUnknownAndNothingStored()
    {
        using var f = new RegistryFixture();
        var missing = Digest.Of("never pushed"u8);
        var config = f.PushBlob(Name, "{}"u8.ToArray());
        var content = RegistryFixture.Manifest(config, 2, missing, 12);

        var e = Assert.Throws<RegistryException>(() => f.Registry.PutManifest(Name, "v1", content, null));

        Assert.Equal(RegistryErrorCode.ManifestBlobUnknown, e.Code);
        Assert.Contains(missing.Value, e.Message, StringComparison.Ordinal);
        Assert.Null(f.Registry.FindManifest(Name, "v1"));
        Assert.False(f.Blobs.Exists(Digest.Of(content)));
    }

    [Theory]
    [InlineData("not json", RegistryErrorCode.ManifestInvalid)]
    [InlineData("[1,2]", RegistryErrorCode.ManifestInvalid)]
    [InlineData("{\"schemaVersion\":1,\"name\":\"x\"}", RegistryErrorCode.ManifestInvalid)]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"layers\":[]}", RegistryErrorCode.ManifestInvalid)]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"sha512:00\",\"size\":1}]}", RegistryErrorCode.DigestInvalid)]
    public void PutManifest_BadDocument_Refused(string json, RegistryErrorCode code)
    {
        using var f = new RegistryFixture();

        var e = Assert.Throws<RegistryException>(() => f.Registry.PutManifest(Name, "v1", Encoding.UTF8.GetBytes(json), null));

        Assert.Equal(code, e.Code);
        Assert.Empty(f.Blobs.Enumerate());
    }

    [Fact]
    public void PutManifest_DigestReferenceMismatch_Refused()
    {
        using var f = new RegistryFixture();
        var content = f.ImageManifest(Name, "x");

        var e = Assert.Throws<RegistryException>(() => f.Registry.PutManifest(Name, Digest.Of("other"u8).Value, content, null));

        Assert.Equal(RegistryErrorCode.DigestInvalid, e.Code);
    }

    [Fact]
    public void PutManifest_TooLarge_RefusedWith413()
    {
        using var f = new RegistryFixture();

        var e = Assert.Throws<RegistryException>(() => f.Registry.PutManifest(Name, "big", new byte[ManifestDocument.MaxBytes + 1], null));

        Assert.Equal(413, e.Status);
    }

    [Fact]
    public void PutManifest_IndexWithUnknownChild_RefusedThenAcceptedOnceChildPushed()
    {
        using var f = new RegistryFixture();
        var child = f.Registry.PutManifest("other/repo", "v1", f.ImageManifest("other/repo", "a"), null);
        var index = RegistryFixture.Index(child);

        Assert.Equal(RegistryErrorCode.ManifestBlobUnknown, Assert.Throws<RegistryException>(() => f.Registry.PutManifest(Name, "multi", index, null)).Code);

        f.Registry.PutManifest(Name, child.Digest.Value, f.ImageManifest(Name, "a"), null);
        var stored = f.Registry.PutManifest(Name, "multi", index, null);
        Assert.Equal(ManifestDocument.OciIndex, stored.MediaType);
    }

    [Fact]
    public void ListTags_Pagination_LexicalOrderAfterLast()
    {
        using var f = new RegistryFixture();
        var content = f.ImageManifest(Name, "x");
        foreach (var tag in new[] { "b", "a", "d", "c", "e" })
        {
            f.Registry.PutManifest(Name, tag, content, null);
        }

        Assert.Equal(["a", "b"], f.Registry.ListTags(Name, 2, null));
        Assert.Equal(["c", "d"], f.Registry.ListTags(Name, 2, "b"));
        Assert.Equal(["e"], f.Registry.ListTags(Name, 2, "d"));
        Assert.Equal(["a", "b", "c", "d", "e"], f.Registry.ListTags(Name, null, null));
        Assert.Equal(RegistryErrorCode.NameUnknown, Assert.Throws<RegistryException>(() => f.Registry.ListTags("nobody/here", null, null)).Code);
    }

    [Fact]
    public void DeleteManifest_ByDigest_RemovesTagsToo_ByTag_KeepsManifest()
    {
        using var f = new RegistryFixture();
        var first = f.Registry.PutManifest(Name, "one", f.ImageManifest(Name, "1"), null);
        f.Registry.PutManifest(Name, "one-again", first.Content, null);
        var second = f.Registry.PutManifest(Name, "two", f.ImageManifest(Name, "2"), null);

        f.Registry.DeleteManifest(Name, first.Digest.Value);
        f.Registry.DeleteManifest(Name, "two");
        f.Reopen();

        Assert.Null(f.Registry.FindManifest(Name, "one"));
        Assert.Null(f.Registry.FindManifest(Name, "one-again"));
        Assert.Null(f.Registry.FindManifest(Name, first.Digest.Value));
        Assert.Null(f.Registry.FindManifest(Name, "two"));
        Assert.NotNull(f.Registry.FindManifest(Name, second.Digest.Value));
    }

    [Fact]
    public void Referrers_ListsManifestsWithSubject_FilteredByArtifactType()
    {
        using var f = new RegistryFixture();
        var image = f.Registry.PutManifest(Name, "v1", f.ImageManifest(Name, "img"), null);
        var sbom = f.Registry.PutManifest(Name, "sbom", f.ImageManifest(Name, "sbom", image.Digest.Value, "application/spdx+json"), null);
        f.Registry.PutManifest(Name, "sig", f.ImageManifest(Name, "sig", image.Digest.Value, "application/vnd.dev.cosign"), null);

        Assert.Equal(2, f.Registry.Referrers(Name, image.Digest, null).Count);
        var only = Assert.Single(f.Registry.Referrers(Name, image.Digest, "application/spdx+json"));
        Assert.Equal(sbom.Digest, only.Digest);
        f.Reopen();
        Assert.Equal(2, f.Registry.Referrers(Name, image.Digest, null).Count);
    }

    [Fact]
    public void Mount_FromRepositoryHoldingBlob_Links_FromOtherFails()
    {
        using var f = new RegistryFixture();
        var digest = f.PushBlob("a/source", "shared layer"u8.ToArray());

        Assert.False(f.Registry.Mount("b/target", digest, "c/empty"));
        Assert.Null(f.Registry.FindBlob("b/target", digest));
        Assert.True(f.Registry.Mount("b/target", digest, "a/source"));
        Assert.Equal(12, f.Registry.FindBlob("b/target", digest));
    }

    [Fact]
    public void Catalog_Pagination()
    {
        using var f = new RegistryFixture();
        foreach (var name in new[] { "z/y", "a/b", "m" })
        {
            f.PushBlob(name, Encoding.UTF8.GetBytes(name));
        }

        Assert.Equal(["a/b", "m"], f.Registry.Catalog(2, null));
        Assert.Equal(["z/y"], f.Registry.Catalog(2, "m"));
    }

    [Fact]
    public void ResolveName_MirrorNamespace_PrefersQualifiedRepository()
    {
        using var f = new RegistryFixture();
        f.PushBlob("registry.k8s.io/pause", "p"u8.ToArray());

        Assert.Equal("registry.k8s.io/pause", f.Registry.ResolveName("pause", "registry.k8s.io"));
        Assert.Equal("pause", f.Registry.ResolveName("pause", null));
    }
}
