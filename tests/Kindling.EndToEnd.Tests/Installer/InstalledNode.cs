using System.Globalization;
using System.Text.Json;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Installer;

/// <summary>
/// A bootstrap node installed by the real <c>kindling cluster-create</c> on a loopback address with free ports,
/// from a package written by <c>kindling package sample</c>. Disposing stops the node service it started.
/// </summary>
internal sealed class InstalledNode : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("kindling-node");

    private readonly string _bootstrapNode;
    private readonly string _additionalSan;

    public InstalledNode(string address, string package, string? bootstrapNode = null, string? additionalSan = null)
    {
        Address = address;
        RegistryPort = FreePort.Tcp(address);
        ChartsPort = FreePort.Tcp(address);
        FilesPort = FreePort.Tcp(address);
        _bootstrapNode = bootstrapNode ?? address;
        _additionalSan = additionalSan ?? "www.tinder-node-server.com";
        UsePackage(package);
    }

    /// <summary>Points the ClusterConfig's fullPackagePath (and OS files) at another package, as an upgrade does.</summary>
    public void UsePackage(string package)
    {
        Package = package;
        ConfigPath = _dir.Write("clusterConfig.yaml", $"""
            apiVersion: provision.daocloud.io/v1alpha3
            kind: ClusterConfig
            spec:
              clusterName: e2e
              bootstrapNode: {_bootstrapNode}
              tinderKind:
                registryPort: {RegistryPort}
                chartmuseumPort: {ChartsPort}
                minioServerPort: {FilesPort}
              fullPackagePath: {Path.Combine(package, "offline")}
              osRepos:
                type: builtin
                isoPath: {Path.Combine(package, "CentOS-7-x86_64-sample.iso")}
                osPackagePath: {Path.Combine(package, "os-pkgs-centos7-v0.0.1-sample.tar.gz")}
              imagesAndCharts:
                type: builtin
                additionalSSLSubjectAltName: "{_additionalSan}"
              binaries:
                type: builtin
            """);
    }

    public string Address { get; }
    public string Package { get; private set; } = "";
    public int RegistryPort { get; }
    public int ChartsPort { get; }
    public int FilesPort { get; }
    public string ConfigPath { get; private set; } = "";
    public string DataDir => _dir.File("data");
    public string HostsFile => _dir.File("hosts");
    public string LogFile => _dir.File("install.log");
    public string CaCertificate => Path.Combine(DataDir, "pki", "ca.crt");
    public string Registry => $"{Address}:{RegistryPort}";

    /// <summary>A folder holding only ca.crt, as skopeo's --cert-dir wants it.</summary>
    public string CertDir(string? caFile = null) => Skopeo.CertDir(caFile ?? CaCertificate, _dir.File("certs"));

    public Task<ProcessResult> InstallAsync(params string[] extra) =>
        ProcessRunner.KindlingAsync(["cluster-create", "-c", ConfigPath, "-t", Address, "--data", DataDir, "--hosts-file", HostsFile,
            "--dns", "127.0.0.1:9", "-l", LogFile, .. extra]);

    /// <summary>The package's images as (reference, manifest digest), from its index.json.</summary>
    public static IReadOnlyList<(string Reference, string Digest)> PackageImages(string package)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(package, "offline", "images", "index.json")));
        return index.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => (m.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString()!, m.GetProperty("digest").GetString()!))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.KindlingAsync("node", "stop", "--now", "--data", DataDir);
        _dir.Dispose();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"node {Address} registry :{RegistryPort}");
}

/// <summary>One sample package per test class (written by the real CLI), shared by its tests.</summary>
public sealed class SamplePackageFixture : IDisposable
{
    private readonly TempDirectory _dir = new("kindling-pkg");

    public SamplePackageFixture()
    {
        var result = ProcessRunner.KindlingAsync("package", "sample", "--out", _dir.Path).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("kindling package sample failed: " + result);
        }
    }

    public string Path => _dir.Path;

    /// <summary>A private copy to break or extend.</summary>
    public string CopyTo(string destination)
    {
        foreach (var file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(destination, System.IO.Path.GetRelativePath(Path, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return destination;
    }

    public void Dispose() => _dir.Dispose();
}
