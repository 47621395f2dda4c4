using System.Text;

namespace Kindling.Installer.Package.Sample;

/// <summary>How big a sample: small for tests and the demo, large for the import and replication benchmarks.</summary>
public enum SampleSize
{
    Small,
    Large,
}

/// <summary>What <see cref="SamplePackage.Write"/> wrote: the three paths a ClusterConfig names, and what they hold.</summary>
/// <param name="PackageDir">spec.fullPackagePath.</param>
/// <param name="OsPackagePath">spec.osRepos.osPackagePath.</param>
/// <param name="IsoPath">spec.osRepos.isoPath.</param>
public sealed record SamplePackageResult(string PackageDir, string OsPackagePath, string IsoPath,
    IReadOnlyList<string> Images, IReadOnlyList<string> Charts, IReadOnlyList<string> FileKeys, string IsoRpm, string OsPackagesRpm);

/// <summary>
/// Writes a valid sample offline package (docs/offline-package.md) in pure C#: no root, no external tools, the same
/// bytes for the same arguments. Everything is written into a temporary folder inside the output folder and moved into
/// place at the end, so a failed run leaves nothing that looks like a package.
/// </summary>
public static class SamplePackage
{
    public const string PackageFolder = "offline";
    public const string OsPackagesName = "os-pkgs-centos7-v0.0.1-sample.tar.gz";
    public const string IsoName = "CentOS-7-x86_64-sample.iso";
    public const string ReadmeName = "README.txt";
    public const string Version = "v0.0.1-sample";

    public static SamplePackageResult Write(string outDir, SampleSize size)
    {
        var output = Path.GetFullPath(outDir);
        Directory.CreateDirectory(output);
        foreach (var name in new[] { PackageFolder, OsPackagesName, IsoName, ReadmeName })
        {
            if (Path.Exists(Path.Combine(output, name)))
            {
                throw new PackageException($"{Path.Combine(output, name)}: already exists; give --out an empty or new folder");
            }
        }

        var temp = Path.Combine(output, $".sample-{Guid.NewGuid():N}");
        try
        {
            var package = Path.Combine(temp, PackageFolder);
            Directory.CreateDirectory(package);
            var images = SampleImages.Write(Path.Combine(package, PackageLayout.ImagesDir), size);
            var charts = WriteCharts(package, size);
            var keys = WriteFiles(package, size);
            File.WriteAllText(Path.Combine(package, PackageLayout.VersionFile), Version + "\n");
            File.WriteAllText(Path.Combine(package, ReadmeName),
                $"Kindling sample offline package {Version} ({size.ToString().ToLowerInvariant()}): {images.Count} images, {charts.Count} charts, {keys.Count} files for bucket kubean. Not real software: every binary is a stand-in.\n");
            PackageChecksums.Write(package);

            var osRpm = SampleContent.Rpm("kindling-ospkgs-hello", "Kindling sample package from the os-pkgs repository");
            WriteOsPackages(Path.Combine(temp, OsPackagesName), osRpm);
            var isoRpm = SampleContent.Rpm("kindling-sample-hello", "Kindling sample package from the ISO repository");
            WriteIso(Path.Combine(temp, IsoName), isoRpm);
            File.WriteAllText(Path.Combine(temp, ReadmeName), Readme(size, images.Count, charts.Count, keys.Count));

            foreach (var name in new[] { PackageFolder, OsPackagesName, IsoName, ReadmeName })
            {
                if (name == PackageFolder)
                {
                    Directory.Move(Path.Combine(temp, name), Path.Combine(output, name));
                }
                else
                {
                    File.Move(Path.Combine(temp, name), Path.Combine(output, name));
                }
            }

            DurableFile.SyncDirectory(output);
            return new SamplePackageResult(Path.Combine(output, PackageFolder), Path.Combine(output, OsPackagesName), Path.Combine(output, IsoName),
                images, charts, keys, isoRpm.Package.FileName, osRpm.Package.FileName);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private static List<string> WriteCharts(string package, SampleSize size)
    {
        var dir = Path.Combine(package, PackageLayout.ChartsDir);
        Directory.CreateDirectory(dir);
        var charts = new List<(string Name, string Version)> { ("kindling-sample", "0.1.0"), ("kindling-web", "0.2.0") };
        if (size == SampleSize.Large)
        {
            charts.AddRange(Enumerable.Range(1, 8).Select(i => ($"kindling-chart-{i:D2}", "1.0.0")));
        }

        foreach (var (name, version) in charts)
        {
            SampleContent.WriteChart(Path.Combine(dir, $"{name}-{version}.tgz"), name, version, "1.0.0", $"Kindling sample chart {name}");
        }

        return [.. charts.Select(c => $"{c.Name}-{c.Version}")];
    }

    private static List<string> WriteFiles(string package, SampleSize size)
    {
        var tree = new List<(string Key, byte[] Content)>
        {
            ("dl.k8s.io/release/v1.29.5/bin/linux/amd64/kubeadm", SampleContent.Script("kubeadm v1.29.5")),
            ("github.com/containernetworking/plugins/releases/download/v1.3.0/cni-plugins-linux-amd64-v1.3.0.tgz",
                SampleContent.SmallArchive("", "bridge", "host-local", "loopback", "portmap")),
        };
        if (size == SampleSize.Large)
        {
            tree.AddRange(Enumerable.Range(1, 100).Select(i =>
            {
                using var data = new PseudoRandomStream(0xF11E_0000ul + (ulong)i, 16 << 10);
                var bytes = new byte[data.Length];
                data.ReadExactly(bytes);
                return ($"github.com/kindling-io/sample/releases/download/v1.0.0/asset-{i:D3}.bin", bytes);
            }));
        }

        foreach (var (key, content) in tree)
        {
            var path = Path.Combine(package, PackageLayout.FilesDir, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }

        var archived = new List<(string Key, byte[] Content)>
        {
            ("github.com/opencontainers/runc/releases/download/v1.1.12/runc.amd64", SampleContent.Script("runc v1.1.12")),
            ("get.helm.sh/helm-v3.14.0-linux-amd64.tar.gz", SampleContent.SmallArchive("linux-amd64", "helm")),
        };
        using (var file = File.Create(Path.Combine(package, PackageLayout.OfflineFilesArchive)))
        using (var tar = new TarGzWriter(file))
        {
            foreach (var (key, content) in archived)
            {
                tar.AddFile(PackageLayout.OfflineFilesPrefix + key, content, key.EndsWith(".gz", StringComparison.Ordinal) ? TarGzWriter.FileMode : TarGzWriter.ExecutableMode);
            }
        }

        return [.. tree.Select(t => t.Key), .. archived.Select(a => a.Key)];
    }

    private static void WriteOsPackages(string path, RpmBuild rpm)
    {
        var repo = YumRepositoryWriter.Write([rpm]);
        byte[] inner;
        using (var buffer = new MemoryStream())
        {
            using (var tar = new TarGzWriter(buffer))
            {
                foreach (var (file, content) in repo)
                {
                    tar.AddFile($"{OsPackageArchive.ResourcesPrefix}centos/7/os/x86_64/{file}", content);
                }
            }

            inner = buffer.ToArray();
        }

        var sum = $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(inner))}  os-pkgs/os-pkgs-amd64.tar.gz\n";
        using var outer = File.Create(path);
        using var outerTar = new TarGzWriter(outer);
        outerTar.AddText("os-pkgs/import_ospkgs.sh",
            "#!/bin/sh\n# Kindling imports this archive itself (kindling cluster-create, step 3); kubean's import_ospkgs.sh is not needed.\nexit 0\n",
            TarGzWriter.ExecutableMode);
        outerTar.AddFile("os-pkgs/os-pkgs-amd64.tar.gz", inner);
        outerTar.AddText(OsPackageArchive.ChecksumFile, sum);
    }

    private static void WriteIso(string path, RpmBuild rpm)
    {
        var timestamp = TarGzWriter.Epoch.ToUnixTimeSeconds();
        var files = YumRepositoryWriter.Write([rpm]);
        files.Add((".treeinfo", Encoding.UTF8.GetBytes(SampleContent.TreeInfo(timestamp))));
        files.Add((".discinfo", Encoding.UTF8.GetBytes(SampleContent.DiscInfo(timestamp))));
        files.Add(("README-kindling-sample.txt", Encoding.UTF8.GetBytes("A tiny CentOS 7 x86_64 stand-in ISO written by Kindling: a yum repository with one sample package.\n")));
        IsoImageWriter.Write(path, "CentOS 7 x86_64", files);
    }

    private static string Readme(SampleSize size, int images, int charts, int files) => $"""
        Kindling sample offline package {Version} ({size.ToString().ToLowerInvariant()}), written by 'kindling package sample'.
        {PackageFolder}/    the offline package (ClusterConfig spec.fullPackagePath): {images} images, {charts} charts, {files} files; see docs/offline-package.md
        {OsPackagesName}    kubean-style OS packages (spec.osRepos.osPackagePath): a yum repository for centos/7/x86_64
        {IsoName}    a tiny ISO 9660 image with Rock Ridge and Joliet names (spec.osRepos.isoPath): a yum repository, .treeinfo, .discinfo
        Check it with: kindling package verify {PackageFolder} --os-packages {OsPackagesName} --iso {IsoName}
        """ + "\n";
}
