using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Installer;

/// <summary>-u tinder: a second package imported incrementally while clients keep pulling.</summary>
public class UpgradeTests(SamplePackageFixture package) : IClassFixture<SamplePackageFixture>
{
    /// <summary>A copy of the sample package with one more tag on an existing image, checksums and version updated.</summary>
    private static (string Package, string NewReference, string OldReference) UpgradePackage(SamplePackageFixture sample, string work)
    {
        var copy = sample.CopyTo(Path.Combine(work, "v2"));
        var offline = Path.Combine(copy, "offline");
        var indexPath = Path.Combine(offline, "images", "index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        var manifests = index["manifests"]!.AsArray();
        var first = manifests[0]!;
        var oldReference = first["annotations"]!["org.opencontainers.image.ref.name"]!.GetValue<string>();
        var newReference = oldReference[..oldReference.LastIndexOf(':')] + ":v9.9.9-upgrade";
        var added = first.DeepClone();
        added["annotations"]!["org.opencontainers.image.ref.name"] = newReference;
        manifests.Add(added);
        File.WriteAllText(indexPath, index.ToJsonString());
        File.WriteAllText(Path.Combine(offline, "VERSION"), "v0.0.2-upgrade\n");
        var checksums = Path.Combine(offline, "checksums.sha256");
        var lines = File.ReadAllLines(checksums).Select(line =>
        {
            var name = line[66..];
            return name is "images/index.json" or "VERSION"
                ? $"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(offline, name))))}  {name}"
                : line;
        });
        File.WriteAllLines(checksums, lines);
        return (copy, newReference, oldReference);
    }

    [Fact]
    public async Task UpgradeTinder_NewTag_IsServedWithTheOldOnesAndRetryingClientsNeverFail()
    {
        var skopeo = Requires.Tool("skopeo", "skopeo");
        using var work = new TempDirectory();
        await using var node = new InstalledNode("127.0.41.193", package.Path);
        var installed = await node.InstallAsync("-j", "1,2,5");
        Assert.True(installed.ExitCode == 0, installed.ToString());
        var (v2, newReference, oldReference) = UpgradePackage(package, work.Path);
        node.UsePackage(v2);

        using var client = Kindling.Testing.HttpClients.Trusting(node.CaCertificate);
        var repository = oldReference[..oldReference.LastIndexOf(':')];
        var url = $"https://{node.Registry}/v2/{repository}/tags/list";
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var requests = 0;
        var clients = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var ok = false;
                for (var attempt = 0; attempt < 20 && !ok; attempt++)
                {
                    try
                    {
                        using var response = await client.GetAsync(url, TestContext.Current.CancellationToken);
                        ok = response.IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        await Task.Delay(250, TestContext.Current.CancellationToken);
                    }
                }

                Interlocked.Increment(ref requests);
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, TestContext.Current.CancellationToken);

        var upgraded = await node.InstallAsync("-u", "tinder", "-j", "1,2,5");
        await stop.CancelAsync();
        await clients;

        Assert.True(upgraded.ExitCode == 0, upgraded.ToString());
        Assert.Contains("1 image(s) added, 0 changed,", upgraded.StdOut, StringComparison.Ordinal);
        Assert.Contains("CA kept", upgraded.StdOut, StringComparison.Ordinal);
        Assert.Equal(0, failures);
        Assert.True(requests > 0);
        foreach (var reference in new[] { newReference, oldReference })
        {
            var inspect = await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "--cert-dir", node.CertDir(), $"docker://{node.Registry}/{reference}"]);
            Assert.True(inspect.ExitCode == 0, $"{reference}: {inspect}");
        }
    }
}
