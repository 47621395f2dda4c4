using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Charts;

/// <summary>The chart repository driven by the real helm (v3.17) and by ChartMuseum-style API calls.</summary>
public class HelmTests
{
    [Fact]
    public async Task Helm_RepoAddSearchPull_WithCaFile_GetsTheUploadedArchive()
    {
        var helm = Requires.Tool("helm", "helm (test.sh fetches it into tools/bin)");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-helm");
        var first = await PackageAsync(helm, work, "kpanda", "0.1.0");
        var second = await PackageAsync(helm, work, "kpanda", "0.2.0-rc.1");
        foreach (var archive in new[] { first, second })
        {
            using var upload = await UploadAsync(node, await File.ReadAllBytesAsync(archive, TestContext.Current.CancellationToken));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        var env = HelmEnv(work);
        var charts = $"https://127.0.0.1:{node.ChartsPort}";
        var add = await ProcessRunner.RunAsync(helm, ["repo", "add", "kindling", charts, "--ca-file", TestPki.Shared.CaFile], env: env);
        var search = await ProcessRunner.RunAsync(helm, ["search", "repo", "kindling/", "--devel", "--versions"], env: env);
        Directory.CreateDirectory(work.File("pulled"));
        var pull = await ProcessRunner.RunAsync(helm, ["pull", "kindling/kpanda", "--version", "0.1.0", "--ca-file", TestPki.Shared.CaFile, "-d", work.File("pulled")], env: env);

        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("kindling/kpanda\t0.2.0-rc.1", search.StdOut.Replace(" ", "", StringComparison.Ordinal).Replace("\t\t", "\t", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("0.1.0", search.StdOut, StringComparison.Ordinal);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(first, TestContext.Current.CancellationToken),
            await File.ReadAllBytesAsync(work.File("pulled/kpanda-0.1.0.tgz"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Upload_DuplicateCorruptPathNames_RefusedWithReason_ForceReplaces()
    {
        var helm = Requires.Tool("helm", "helm (test.sh fetches it into tools/bin)");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-helm");
        var archive = await File.ReadAllBytesAsync(await PackageAsync(helm, work, "app", "1.0.0"), TestContext.Current.CancellationToken);

        using var first = await UploadAsync(node, archive);
        using var duplicate = await UploadAsync(node, archive);
        using var forced = await UploadAsync(node, archive, "?force");
        using var corrupt = await UploadAsync(node, Encoding.UTF8.GetBytes("this is not a tgz"));
        using var truncated = await UploadAsync(node, archive[..(archive.Length / 2)]);
        using var evilName = await UploadAsync(node, ChartTgz("../../etc", "1.0.0"));
        using var evilVersion = await UploadAsync(node, ChartTgz("app", "1.0.0/../../x"));
        var curl = Requires.Tool("curl", "curl");
        var other = work.File("packages/app-1.0.0.tgz");
        File.Copy(other, work.File("curl.tgz"));
        var curlUpload = await ProcessRunner.RunAsync(curl, ["-s", "-f", "--cacert", TestPki.Shared.CaFile, "-u", node.Credentials,
            "--data-binary", $"@{work.File("curl.tgz")}", $"https://127.0.0.1:{node.ChartsPort}/api/charts?force"]);
        using var anonymous = await node.Client.PostAsync($"https://127.0.0.1:{node.ChartsPort}/api/charts", new ByteArrayContent(archive), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.Created, forced.StatusCode);
        Assert.True(curlUpload.ExitCode == 0, curlUpload.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, corrupt.StatusCode);
        Assert.Contains("gzip", await corrupt.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, evilName.StatusCode);
        Assert.Contains("name", await evilName.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, evilVersion.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(1, node.Host.Store.Charts.Count);
        Assert.Equal(["app"], Directory.GetDirectories(node.Host.Store.Charts.Directory).Select(Path.GetFileName));
        Assert.Contains(node.Logs.Lines, l => l.Contains("chart refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Api_ListGetDelete_AndIndexFollows()
    {
        var helm = Requires.Tool("helm", "helm (test.sh fetches it into tools/bin)");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-helm");
        (await UploadAsync(node, await File.ReadAllBytesAsync(await PackageAsync(helm, work, "app", "1.0.0"), TestContext.Current.CancellationToken))).Dispose();
        var api = $"https://127.0.0.1:{node.ChartsPort}/api/charts";

        var list = await node.Client.GetStringAsync(api, TestContext.Current.CancellationToken);
        var version = await node.Client.GetStringAsync($"{api}/app/1.0.0", TestContext.Current.CancellationToken);
        var health = await node.Client.GetStringAsync($"https://127.0.0.1:{node.ChartsPort}/health", TestContext.Current.CancellationToken);
        var delete = new HttpRequestMessage(HttpMethod.Delete, $"{api}/app/1.0.0");
        delete.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(node.Credentials)));
        using var deleted = await node.Client.SendAsync(delete, TestContext.Current.CancellationToken);
        var index = await node.Client.GetStringAsync($"https://127.0.0.1:{node.ChartsPort}/index.yaml", TestContext.Current.CancellationToken);
        using var gone = await node.Client.GetAsync($"{api}/app/1.0.0", TestContext.Current.CancellationToken);

        Assert.Contains("\"app\":[{", list, StringComparison.Ordinal);
        Assert.Contains("\"urls\":[\"charts/app-1.0.0.tgz\"]", version, StringComparison.Ordinal);
        Assert.Equal("{\"healthy\":true}", health);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.DoesNotContain("app-1.0.0", index, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task HelmPushAndPullOci_ThroughTheRegistry()
    {
        var helm = Requires.Tool("helm", "helm (test.sh fetches it into tools/bin)");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-helm");
        var archive = await PackageAsync(helm, work, "ocichart", "1.2.3");
        var env = HelmEnv(work);
        var ca = TestPki.Shared.CaFile;
        Directory.CreateDirectory(work.File("pulled"));

        // helm (containerd's resolver) speaks plain HTTP to any loopback IP, so the node is reached by its DCE
        // domain name, mapped to 127.0.0.1 in a hosts file seen only by helm (a private mount namespace).
        Requires.Root("a private mount namespace maps www.tinder-node-server.com to 127.0.0.1 for helm");
        var hosts = work.Write("hosts", "127.0.0.1 www.tinder-node-server.com\n");
        var registry = $"www.tinder-node-server.com:{node.RegistryPort}";
        var login = await WithHostsAsync(hosts, helm, ["registry", "login", registry, "--username", node.User, "--password", node.Password, "--ca-file", ca], env);
        var push = await WithHostsAsync(hosts, helm, ["push", archive, $"oci://{registry}/charts", "--ca-file", ca], env);
        var pull = await WithHostsAsync(hosts, helm, ["pull", $"oci://{registry}/charts/ocichart", "--version", "1.2.3", "--ca-file", ca, "-d", work.File("pulled")], env);

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(archive, TestContext.Current.CancellationToken),
            await File.ReadAllBytesAsync(work.File("pulled/ocichart-1.2.3.tgz"), TestContext.Current.CancellationToken));
        Assert.NotNull(node.Host.Store.Registry.FindManifest("charts/ocichart", "1.2.3"));
    }

    private static Task<ProcessResult> WithHostsAsync(string hosts, string program, string[] args, Dictionary<string, string> env) =>
        ProcessRunner.RunAsync("unshare", ["--mount", "--propagation", "private", "sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\"", hosts, program, .. args], env: env);

    private static Dictionary<string, string> HelmEnv(TempDirectory work) => new()
    {
        ["HELM_CACHE_HOME"] = work.File("helm/cache"),
        ["HELM_CONFIG_HOME"] = work.File("helm/config"),
        ["HELM_DATA_HOME"] = work.File("helm/data"),
        ["HOME"] = work.Path,
    };

    private static async Task<string> PackageAsync(string helm, TempDirectory work, string name, string version)
    {
        var source = work.File($"src-{name}-{version}");
        Directory.CreateDirectory(source);
        var create = await ProcessRunner.RunAsync(helm, ["create", name], env: HelmEnv(work), workingDirectory: source);
        Assert.True(create.ExitCode == 0, create.ToString());
        var package = await ProcessRunner.RunAsync(helm, ["package", Path.Combine(source, name), "--version", version, "-d", work.File("packages")], env: HelmEnv(work));
        Assert.True(package.ExitCode == 0, package.ToString());
        return work.File($"packages/{name}-{version}.tgz");
    }

    private static Task<HttpResponseMessage> UploadAsync(NodeFixture node, byte[] archive, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"https://127.0.0.1:{node.ChartsPort}/api/charts{query}") { Content = new ByteArrayContent(archive) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(node.Credentials)));
        return node.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>A hand-made chart archive whose Chart.yaml says anything (helm package would refuse these).</summary>
    internal static byte[] ChartTgz(string name, string version)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            var yaml = Encoding.UTF8.GetBytes($"apiVersion: v2\nname: \"{name}\"\nversion: \"{version}\"\n");
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "chart/Chart.yaml") { DataStream = new MemoryStream(yaml) });
        }

        return output.ToArray();
    }
}
