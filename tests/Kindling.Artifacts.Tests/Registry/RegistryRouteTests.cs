using Kindling.Artifacts.Registry;

namespace Kindling.Artifacts.Tests.Registry;

public class RegistryRouteTests
{
    [Theory]
    [InlineData("/v2/", RegistryRouteKind.Base, "", "")]
    [InlineData("/v2", RegistryRouteKind.Base, "", "")]
    [InlineData("/v2/_catalog", RegistryRouteKind.Catalog, "", "")]
    [InlineData("/v2/release.daocloud.io/kpanda/kpanda-apiserver/manifests/v0.1", RegistryRouteKind.Manifest, "release.daocloud.io/kpanda/kpanda-apiserver", "v0.1")]
    [InlineData("/v2/a/manifests/b/manifests/latest", RegistryRouteKind.Manifest, "a/manifests/b", "latest")]
    [InlineData("/v2/lib/x/blobs/sha256:abc", RegistryRouteKind.Blob, "lib/x", "sha256:abc")]
    [InlineData("/v2/lib/x/blobs/uploads/", RegistryRouteKind.UploadStart, "lib/x", "")]
    [InlineData("/v2/lib/x/blobs/uploads/0123", RegistryRouteKind.Upload, "lib/x", "0123")]
    [InlineData("/v2/lib/x/tags/list", RegistryRouteKind.Tags, "lib/x", "")]
    [InlineData("/v2/lib/x/referrers/sha256:abc", RegistryRouteKind.Referrers, "lib/x", "sha256:abc")]
    [InlineData("/v2/lib/x/manifests/", RegistryRouteKind.NotFound, "", "")]
    [InlineData("/v2/manifests/x", RegistryRouteKind.NotFound, "", "")]
    [InlineData("/v3/lib/manifests/x", RegistryRouteKind.NotFound, "", "")]
    public void Parse_Paths_SplitAtLastKeyword(string path, RegistryRouteKind kind, string name, string reference)
    {
        var route = RegistryRoute.Parse(path);

        Assert.Equal(kind, route.Kind);
        if (kind != RegistryRouteKind.NotFound)
        {
            Assert.Equal(name, route.Name);
            Assert.Equal(reference, route.Reference);
        }
    }

    [Theory]
    [InlineData("release.daocloud.io/kpanda/kpanda-apiserver", true)]
    [InlineData("a__b/c-d---e/f.g", true)]
    [InlineData("../etc", false)]
    [InlineData("a/../b", false)]
    [InlineData("a/./b", false)]
    [InlineData("/abs", false)]
    [InlineData("a\\b", false)]
    [InlineData("a/%2e%2e/b", false)]
    [InlineData("UPPER", false)]
    [InlineData("a//b", false)]
    [InlineData("a/_manifests", false)]
    public void IsValidName_PathLikeInput_OnlySafeNamesPass(string name, bool valid) =>
        Assert.Equal(valid, RepositoryNames.IsValidName(name));

    [Theory]
    [InlineData("v1.2.3", true)]
    [InlineData("latest", true)]
    [InlineData("..", false)]
    [InlineData(".hidden", false)]
    [InlineData("a/b", false)]
    public void IsValidTag_Cases(string tag, bool valid) => Assert.Equal(valid, RepositoryNames.IsValidTag(tag));
}
