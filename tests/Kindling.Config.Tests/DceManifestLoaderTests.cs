using Kindling.Testing;

namespace Kindling.Config.Tests;

public class DceManifestLoaderTests
{
    [Fact]
    public void LoadFile_SampleManifest_ReadsGlobalAndComponents()
    {
        var result = DceManifestLoader.LoadFile(Path.Combine(Repository.Samples, "manifest.yaml"));

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var manifest = result.Value!;
        Assert.Equal("release.daocloud.io", manifest.ImageRepo);
        Assert.True(manifest.Infrastructures["kubean"].Enable);
        Assert.Equal("v0.20.0", manifest.Components["kpanda"].HelmVersion);
        Assert.False(manifest.Infrastructures["istio"].Enable);
        Assert.Contains("variables", manifest.Components["kpanda"].Other.Keys);
    }

    [Fact]
    public void Load_ClusterConfigGivenAsManifest_SaysWhichFlagToUse()
    {
        var result = DceManifestLoader.Load("apiVersion: provision.daocloud.io/v1alpha3\nkind: ClusterConfig\nspec: {}\n", "m.yaml");

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.ToString().Contains("m.yaml:2: kind: \"ClusterConfig\" is not DCEManifest (is this a ClusterConfig? pass it with -c)", StringComparison.Ordinal));
    }
}
