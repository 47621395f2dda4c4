using System.Globalization;
using System.Text.Json;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Support;

/// <summary>
/// A real <c>./kindling node serve</c> process on a loopback address (127.0.41.193 primary, .194 backup) with free
/// ports; it can be killed and started again on the same ports and data. The backup takes the primary's CA
/// (<c>--ca-from</c>), as the seed's backup activation does, so one CA file trusts both.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    private readonly string[] _extra;
    private BackgroundProcess? _process;

    private TestNode(string address, string dataDirectory, string[] extra)
    {
        Address = address;
        DataDirectory = dataDirectory;
        _extra = extra;
        RegistryPort = FreePort.Tcp(address);
        ChartsPort = FreePort.Tcp(address);
        FilesPort = FreePort.Tcp(address);
    }

    public const string PrimaryAddress = "127.0.41.193";
    public const string BackupAddress = "127.0.41.194";

    public string Address { get; }
    public string DataDirectory { get; }
    public int RegistryPort { get; }
    public int ChartsPort { get; }
    public int FilesPort { get; }

    /// <summary>host:port of the registry, as skopeo names it.</summary>
    public string Registry => string.Create(CultureInfo.InvariantCulture, $"{Address}:{RegistryPort}");
    public string RegistryUrl => $"https://{Registry}";
    public string ChartsUrl => string.Create(CultureInfo.InvariantCulture, $"https://{Address}:{ChartsPort}");
    public string FilesUrl => string.Create(CultureInfo.InvariantCulture, $"https://{Address}:{FilesPort}");
    public string CredentialsFile => Path.Combine(DataDirectory, "admin-credentials");
    public string Credentials => File.ReadAllText(CredentialsFile).Trim();
    public string CaFile => Path.Combine(DataDirectory, "pki", "ca.crt");
    public string Output => _process?.Output ?? "";
    public BackgroundProcess Process => _process ?? throw new InvalidOperationException("not started");

    /// <summary>A folder holding only the node's ca.crt, as skopeo's cert dirs want it.</summary>
    public string CertDir => Skopeo.CertDir(CaFile, DataDirectory + "-certs");

    /// <summary>Pushes <paramref name="reference"/> of an OCI layout (all architectures) to this node as the admin.</summary>
    public async Task PushImageAsync(string layout, string reference)
    {
        var result = await Skopeo.CopyAsync($"oci:{layout}:{reference}", $"docker://{Registry}/{reference}", CertDir, Credentials, "--all");
        Assert.True(result.ExitCode == 0, $"skopeo push {reference} to {this}: {result}");
    }

    /// <summary>Pulls an image from this node into an OCI layout (skopeo checks every blob's digest).</summary>
    public Task<ProcessResult> PullImageAsync(string reference, string layout) =>
        Skopeo.CopyAsync($"docker://{Registry}/{reference}", $"oci:{layout}:{reference.Replace('/', '_')}", CertDir, null, "--all");

    public static async Task<TestNode> StartAsync(string address, string dataDirectory, params string[] extra)
    {
        var node = new TestNode(address, dataDirectory, extra);
        await node.StartAsync();
        return node;
    }

    public async Task StartAsync()
    {
        _process?.Dispose();
        _process = BackgroundProcess.Start(Repository.KindlingScript,
        [
            "node", "serve", "--data", DataDirectory, "--address", Address,
            "--registry-port", $"{RegistryPort}", "--charts-port", $"{ChartsPort}", "--files-port", $"{FilesPort}", .. _extra,
        ]);
        await _process.WaitForOutputAsync("CA certificate for clients", TimeSpan.FromMinutes(5));
    }

    /// <summary>SIGKILL: no cleanup runs.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Signal(9);
            await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>The node's <c>/kindling/v1/content-digest</c> JSON.</summary>
    public async Task<JsonDocument> ContentDigestAsync()
    {
        var result = await Curl.GetAsync(this, "/kindling/v1/content-digest");
        return JsonDocument.Parse(result);
    }

    public async Task<string> DigestAsync()
    {
        using var json = await ContentDigestAsync();
        return json.RootElement.GetProperty("digest").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    public override string ToString() => $"node {Registry}";
}

/// <summary>curl against a test node, trusting its CA.</summary>
internal static class Curl
{
    public static async Task<string> GetAsync(TestNode node, string path, params string[] extra)
    {
        var curl = Requires.Tool("curl", "curl");
        var result = await ProcessRunner.RunAsync(curl, ["-sS", "-f", "--cacert", node.CaFile, .. extra, node.RegistryUrl + path], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"curl {path} on {node}: {result}");
        return result.StdOut;
    }

    private const string ManifestTypes = "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
        + "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>The manifest digest a tag names on the node (Docker-Content-Digest of a HEAD), or null when absent.</summary>
    public static async Task<string?> ManifestDigestAsync(TestNode node, string repository, string tag)
    {
        var curl = Requires.Tool("curl", "curl");
        var result = await ProcessRunner.RunAsync(curl, ["-sS", "-I", "--cacert", node.CaFile, "-H", ManifestTypes,
            $"{node.RegistryUrl}/v2/{repository}/manifests/{tag}"], TimeSpan.FromMinutes(1));
        var lines = result.StdOut.Split('\n', StringSplitOptions.TrimEntries);
        if (!lines[0].Contains(" 200", StringComparison.Ordinal))
        {
            return null;
        }

        return lines.First(l => l.StartsWith("docker-content-digest:", StringComparison.OrdinalIgnoreCase)).Split(':', 2)[1].Trim();
    }

    /// <summary>The HTTP status of a request.</summary>
    public static async Task<int> StatusAsync(TestNode node, string path, string method = "GET")
    {
        var curl = Requires.Tool("curl", "curl");
        var result = await ProcessRunner.RunAsync(curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", node.CaFile, .. method == "HEAD" ? new[] { "-I" } : ["-X", method],
            "-H", ManifestTypes, node.RegistryUrl + path], TimeSpan.FromMinutes(1));
        return int.Parse(result.StdOut.Trim(), CultureInfo.InvariantCulture);
    }
}
