using System.Security.Cryptography;
using System.Text.Json;
using Kindling.Replication.Tests.Support;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Verify;

/// <summary>
/// <c>kindling verify</c> against the seed's topology on loopback: the domain served by <c>kindling dns serve</c>
/// on .192 pointing at the primary (.193), and both nodes (.193, .194) by URL.
/// </summary>
public class VerifyTests
{
    private const string Domain = "www.tinder-node-server.com";

    [Fact]
    public async Task Verify_IdenticalNodes_EveryCheckPasses_OneTagDiffers_FailsNamingTheTag()
    {
        await using var nodes = await NodePair.StartAsync(domain: Domain);
        using var dns = await TestDns.StartAsync(nodes.Work.File("dns"), new Dictionary<string, string>
        {
            ["www"] = TestNode.PrimaryAddress,
            ["other"] = TestNode.PrimaryAddress,
        });
        var layout = new TestLayout(nodes.Work.File("layout"));
        layout.AddImage("library/app:v1", layout.AddLayer(200_000));
        layout.AddImage("library/tool:v2", layout.AddLayer(100_000));
        await nodes.Primary.PushImageAsync(layout.Directory, "library/app:v1");
        await nodes.Primary.PushImageAsync(layout.Directory, "library/tool:v2");
        var upload = nodes.Work.File("upload");
        Directory.CreateDirectory(upload);
        await TestContent.UploadChartAsync(nodes.Primary, upload, TestContent.Chart("web", "1.0.0", "replicas: 1\n"));
        await TestContent.PutFileAsync(nodes.Primary, upload, "dl.k8s.io/release/v1.29.5/bin/linux/amd64/kubeadm", RandomNumberGenerator.GetBytes(50_000));
        NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup));

        var passing = await VerifyAsync(nodes, dns, Domain);
        Assert.True(passing.ExitCode == 0, passing.ToString());
        using (var json = JsonDocument.Parse(passing.StdOut))
        {
            var root = json.RootElement;
            Assert.True(root.GetProperty("ok").GetBoolean());
            var targets = root.GetProperty("targets").EnumerateArray().ToList();
            Assert.Equal(3, targets.Count);
            var domain = targets[0];
            Assert.Equal(TestNode.PrimaryAddress, domain.GetProperty("address").GetString());
            var checks = domain.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("check").GetString()!, c => c);
            Assert.Equal(["dns", "tls", "file", "image", "charts"], checks.Keys);
            Assert.All(checks.Values, c => Assert.Equal("ok", c.GetProperty("status").GetString()));
            Assert.Contains($"valid for {Domain}", checks["tls"].GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("library/app:v1", checks["image"].GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("web 1.0.0", checks["charts"].GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.All(targets, t => Assert.True(t.GetProperty("ok").GetBoolean(), t.ToString()));
            Assert.Equal("ok", root.GetProperty("content").GetProperty("status").GetString());
            Assert.Single(root.GetProperty("content").GetProperty("digests").EnumerateObject().Select(d => d.Value.GetString()).Distinct());
        }

        // The backup's library/app:v1 now names another image.
        var other = new TestLayout(nodes.Work.File("other"));
        other.AddImage("library/app:v1", other.AddLayer(150_000));
        await nodes.Backup.PushImageAsync(other.Directory, "library/app:v1");
        var primaryDigest = await Curl.ManifestDigestAsync(nodes.Primary, "library/app", "v1");
        var backupDigest = await Curl.ManifestDigestAsync(nodes.Backup, "library/app", "v1");

        var failing = await VerifyAsync(nodes, dns, Domain);
        Assert.Equal(1, failing.ExitCode);
        using (var json = JsonDocument.Parse(failing.StdOut))
        {
            var root = json.RootElement;
            Assert.False(root.GetProperty("ok").GetBoolean());
            var content = root.GetProperty("content");
            Assert.Equal("fail", content.GetProperty("status").GetString());
            var difference = Assert.Single(content.GetProperty("differences").EnumerateArray());
            Assert.Equal("registry", difference.GetProperty("service").GetString());
            Assert.Equal("library/app", difference.GetProperty("part").GetString());
            Assert.Equal("v1", difference.GetProperty("entry").GetString());
            var values = difference.GetProperty("values").EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetString());
            Assert.Equal(primaryDigest, values[$"{Domain}:{nodes.Primary.RegistryPort}"]);
            Assert.Equal(backupDigest, values.Single(v => v.Key.StartsWith(nodes.Backup.Registry, StringComparison.Ordinal)).Value);
            Assert.All(root.GetProperty("targets").EnumerateArray(), t => Assert.True(t.GetProperty("ok").GetBoolean(), "each node alone still passes: " + t));
        }

        var table = await ProcessRunner.KindlingAsync(["verify", "--domain", Domain, "--port", $"{nodes.Primary.RegistryPort}", "--dns", dns.Endpoint,
            "--node", nodes.Backup.RegistryUrl, "--ca", nodes.Primary.CaFile]);
        Assert.Equal(1, table.ExitCode);
        Assert.Contains($"differs: registry library/app v1: {Domain}:{nodes.Primary.RegistryPort} {primaryDigest}", table.StdOut, StringComparison.Ordinal);
        Assert.Contains(backupDigest!, table.StdOut, StringComparison.Ordinal);

        // A name the certificate does not carry fails the TLS check, with the names it does carry.
        var wrongName = await VerifyAsync(nodes, dns, "other.tinder-node-server.com", withNodes: false);
        Assert.Equal(1, wrongName.ExitCode);
        using (var json = JsonDocument.Parse(wrongName.StdOut))
        {
            var tls = json.RootElement.GetProperty("targets")[0].GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "tls");
            Assert.Equal("fail", tls.GetProperty("status").GetString());
            Assert.Contains("not valid for the name other.tinder-node-server.com", tls.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains(Domain, tls.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Given another CA, the nodes' certificates are not trusted: with --ca the process trusts exactly the files
        // given (and skips reading the machine's store), so nothing else may make the chain valid.
        var otherCa = nodes.Work.File("other-ca.crt");
        await File.WriteAllTextAsync(otherCa, new TestPki("Some Other CA").CaPem, TestContext.Current.CancellationToken);

        var untrusted = await VerifyAsync(nodes, dns, Domain, withNodes: false, caFile: otherCa);
        Assert.Equal(1, untrusted.ExitCode);
        using (var json = JsonDocument.Parse(untrusted.StdOut))
        {
            var tls = json.RootElement.GetProperty("targets")[0].GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "tls");
            Assert.Equal("fail", tls.GetProperty("status").GetString());
            Assert.Contains("not issued by a trusted CA", tls.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    private static Task<ProcessResult> VerifyAsync(NodePair nodes, TestDns dns, string domain, bool withNodes = true, string? caFile = null) =>
        ProcessRunner.KindlingAsync(["verify", "--domain", domain, "--port", $"{nodes.Primary.RegistryPort}", "--dns", dns.Endpoint,
            .. withNodes ? new[] { "--node", nodes.Primary.ChartsUrl, "--node", nodes.Backup.RegistryUrl } : [],
            "--ca", caFile ?? nodes.Primary.CaFile, "--output", "json"]);
}
