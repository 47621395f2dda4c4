using System.Formats.Tar;
using System.IO.Compression;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Package;

/// <summary>
/// An unpacked offline package (DCE's <c>fullPackagePath</c>), laid out as docs/offline-package.md describes:
/// an OCI image layout in <c>images/</c>, Helm charts in <c>charts/</c>, files for bucket <c>kubean</c> in <c>files/</c>
/// and/or kubean's <c>offline-files.tar.gz</c>, <c>checksums.sha256</c> and <c>VERSION</c>.
/// <see cref="Open"/> reads the small parts (version, image index, chart metadata, file list);
/// <see cref="Verify"/> reads every byte. Call Verify before importing.
/// </summary>
public sealed class OfflinePackage
{
    private readonly List<PackageProblem> _openProblems;

    private OfflinePackage(string directory, string? version, List<PackageImage> images, List<PackageChart> charts,
        List<PackageFileEntry> treeFiles, List<PackageProblem> openProblems)
    {
        Directory = directory;
        Version = version;
        Images = images;
        Charts = charts;
        TreeFiles = treeFiles;
        _openProblems = openProblems;
    }

    /// <summary>The package folder (absolute).</summary>
    public string Directory { get; }

    /// <summary>The first line of VERSION; null when the file is missing or empty.</summary>
    public string? Version { get; }

    /// <summary>The images named in images/index.json, in index order.</summary>
    public IReadOnlyList<PackageImage> Images { get; }

    /// <summary>The valid charts of charts/*.tgz (invalid ones are reported by <see cref="Verify"/>).</summary>
    public IReadOnlyList<PackageChart> Charts { get; }

    /// <summary>The files of the files/ tree (kubean's offline-files.tar.gz is streamed by <see cref="EnumerateFiles"/>).</summary>
    public IReadOnlyList<PackageFileEntry> TreeFiles { get; }

    /// <summary>The OCI image layout folder (images/).</summary>
    public string ImageLayoutPath => Path.Combine(Directory, PackageLayout.ImagesDir);

    /// <summary>kubean's offline-files.tar.gz, when the package has one.</summary>
    public string? OfflineFilesArchivePath =>
        File.Exists(Path.Combine(Directory, PackageLayout.OfflineFilesArchive)) ? Path.Combine(Directory, PackageLayout.OfflineFilesArchive) : null;

    /// <summary>Where a blob (manifest, index, config or layer) lives: images/blobs/sha256/HEX.</summary>
    public string BlobPath(Digest digest) => Path.Combine(ImageLayoutPath, digest.LayoutPath());

    /// <summary>Opens the package folder; throws <see cref="PackageException"/> only when there is no such folder.</summary>
    public static OfflinePackage Open(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new PackageException(File.Exists(full)
                ? $"{full}: is a file, not a folder; fullPackagePath must name the unpacked offline package folder"
                : $"{full}: no such folder; fullPackagePath must name the unpacked offline package folder (see docs/offline-package.md)");
        }

        var problems = new List<PackageProblem>();
        var versionFile = Path.Combine(full, PackageLayout.VersionFile);
        var version = File.Exists(versionFile) ? File.ReadLines(versionFile).FirstOrDefault()?.Trim() : null;
        var images = System.IO.Directory.Exists(Path.Combine(full, PackageLayout.ImagesDir))
            ? OciLayoutReader.ReadIndex(Path.Combine(full, PackageLayout.ImagesDir), PackageLayout.ImagesDir + "/", problems)
            : [];
        return new OfflinePackage(full, string.IsNullOrEmpty(version) ? null : version, images, ReadCharts(full, problems),
            ReadTree(full, problems), problems);
    }

    /// <summary>
    /// Every file for bucket <c>kubean</c>: the files/ tree, then the members of offline-files.tar.gz (streamed: each
    /// entry's stream is valid until the next). Keys are checked: relative, no "..", no backslash.
    /// </summary>
    public IEnumerable<PackageFileEntry> EnumerateFiles()
    {
        foreach (var file in TreeFiles)
        {
            yield return file;
        }

        if (OfflineFilesArchivePath is not { } archive)
        {
            yield break;
        }

        using var stream = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (OfflineFilesKey(entry, out var key) && entry.DataStream is { } data)
            {
                yield return new PackageFileEntry(key, entry.Length, $"{PackageLayout.OfflineFilesArchive}!{entry.Name}", () => data);
            }
        }
    }

    /// <summary>Checks every byte of the package (and the OS packages archive and ISO, when given): see docs/offline-package.md.</summary>
    public PackageReport Verify(PackageVerifyOptions? options = null) =>
        PackageVerifier.Verify(this, _openProblems, options ?? new PackageVerifyOptions());

    /// <summary>The bucket key of an offline-files.tar.gz member, as kubean's import_files.sh stores it.</summary>
    internal static bool OfflineFilesKey(TarEntry entry, out string key)
    {
        key = "";
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
        {
            return false;
        }

        var name = TarGzArchive.CleanName(entry.Name);
        if (!name.StartsWith(PackageLayout.OfflineFilesPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        key = name[PackageLayout.OfflineFilesPrefix.Length..];
        if (key.StartsWith(PackageLayout.DaoCloudMirrorPrefix, StringComparison.Ordinal))
        {
            key = key[PackageLayout.DaoCloudMirrorPrefix.Length..];
        }

        return ChecksumList.IsSafeRelativePath(key);
    }

    private static List<PackageChart> ReadCharts(string dir, List<PackageProblem> problems)
    {
        var charts = new List<PackageChart>();
        var chartsDir = Path.Combine(dir, PackageLayout.ChartsDir);
        if (!System.IO.Directory.Exists(chartsDir))
        {
            return charts;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(chartsDir).Order(StringComparer.Ordinal))
        {
            var relative = $"{PackageLayout.ChartsDir}/{Path.GetFileName(path)}";
            if (!path.EndsWith(".tgz", StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = File.OpenRead(path);
            var (name, version, error) = ChartArchive.Read(stream);
            if (error is not null)
            {
                problems.Add(new PackageProblem(relative, $"not a valid Helm chart: {error}"));
                continue;
            }

            charts.Add(new PackageChart(relative, path, name!, version!));
        }

        var duplicates = charts.GroupBy(c => (c.Name, c.Version)).Where(g => g.Count() > 1);
        foreach (var group in duplicates)
        {
            problems.Add(new PackageProblem(group.Last().RelativePath, $"chart {group.Key.Name} {group.Key.Version} is also in {group.First().RelativePath}"));
        }

        return charts;
    }

    private static List<PackageFileEntry> ReadTree(string dir, List<PackageProblem> problems)
    {
        var files = new List<PackageFileEntry>();
        var filesDir = Path.Combine(dir, PackageLayout.FilesDir);
        if (!System.IO.Directory.Exists(filesDir))
        {
            return files;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(filesDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var key = Path.GetRelativePath(filesDir, path).Replace(Path.DirectorySeparatorChar, '/');
            if (!ChecksumList.IsSafeRelativePath(key))
            {
                problems.Add(new PackageProblem($"{PackageLayout.FilesDir}/{key}", "not usable as a file store key"));
                continue;
            }

            var length = new FileInfo(path).Length;
            files.Add(new PackageFileEntry(key, length, $"{PackageLayout.FilesDir}/{key}", () => File.OpenRead(path)));
        }

        return files;
    }
}

/// <summary>What <see cref="OfflinePackage.Verify"/> also checks, and where it reports progress.</summary>
public sealed class PackageVerifyOptions
{
    /// <summary>osRepos.osPackagePath: kubean's os-pkgs tar.gz, checked when given.</summary>
    public string? OsPackagePath { get; init; }

    /// <summary>osRepos.isoPath: the OS ISO, checked when given (ISO 9660 volume descriptor, not truncated).</summary>
    public string? IsoPath { get; init; }

    /// <summary>Bytes read so far (for a progress bar).</summary>
    public IProgress<long>? Progress { get; init; }
}
