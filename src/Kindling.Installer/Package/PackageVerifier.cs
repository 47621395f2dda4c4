using System.Formats.Tar;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Package;

/// <summary>
/// Reads every file of a package once (sha256 for checksums.sha256 and for blob digests; a tar walk for
/// offline-files.tar.gz in the same pass), then checks the image graph: index.json → manifests and indexes → config
/// and layers, each blob present with its digest and size.
/// </summary>
internal static class PackageVerifier
{
    private sealed record Hashed(Digest Digest, long Length);

    public static PackageReport Verify(OfflinePackage package, IReadOnlyList<PackageProblem> openProblems, PackageVerifyOptions options)
    {
        var problems = new List<PackageProblem>(openProblems);
        var checksums = ReadChecksums(package.Directory, problems);
        if (package.Version is null)
        {
            problems.Add(new PackageProblem(PackageLayout.VersionFile, "missing or empty: the package must say its version"));
        }

        var (hashed, bytes, storeFiles) = HashFiles(package, checksums, options, problems);
        if (checksums is not null)
        {
            foreach (var listed in checksums.Entries.Keys.Where(k => !hashed.ContainsKey(k)))
            {
                problems.Add(new PackageProblem(listed, $"missing, but listed in {PackageLayout.Checksums}:{checksums.LineOf(listed)}"));
            }
        }

        var blobs = CheckImages(package, hashed, problems);
        if (options.OsPackagePath is { } osPackages)
        {
            problems.AddRange(OsPackageArchive.Verify(osPackages));
        }

        if (options.IsoPath is { } iso && IsoImageCheck.Check(iso) is { } isoError)
        {
            problems.Add(new PackageProblem(Path.GetFullPath(iso), isoError));
        }

        return new PackageReport
        {
            Problems = problems,
            FilesChecked = hashed.Count,
            BytesChecked = bytes,
            Images = package.Images.Count,
            Blobs = blobs,
            Charts = package.Charts.Count,
            StoreFiles = storeFiles,
        };
    }

    /// <summary>The package's checksum list, or null (and a problem) when it has none.</summary>
    private static ChecksumList? ReadChecksums(string dir, List<PackageProblem> problems)
    {
        var checksumsPath = Path.Combine(dir, PackageLayout.Checksums);
        if (File.Exists(checksumsPath))
        {
            return ChecksumList.Parse(checksumsPath, PackageLayout.Checksums, problems);
        }

        problems.Add(new PackageProblem(PackageLayout.Checksums, "missing: the package has no checksum list (kindling package build writes one)"));
        return null;
    }

    /// <summary>
    /// Reads every file once: its sha256 (checked against the checksum list), and for offline-files.tar.gz its keys
    /// in the same pass. Returns the digests by relative path, the bytes read and the store files counted.
    /// </summary>
    private static (Dictionary<string, Hashed> Hashed, long Bytes, int StoreFiles) HashFiles(OfflinePackage package, ChecksumList? checksums, PackageVerifyOptions options, List<PackageProblem> problems)
    {
        var dir = package.Directory;
        var hashed = new Dictionary<string, Hashed>(StringComparer.Ordinal);
        long bytes = 0;
        var storeFiles = package.TreeFiles.Count;
        foreach (var path in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(dir, path).Replace(Path.DirectorySeparatorChar, '/');
            if (relative == PackageLayout.Checksums)
            {
                continue;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var through = new ReadThroughStream(file);
            if (relative == PackageLayout.OfflineFilesArchive)
            {
                storeFiles += CheckOfflineFiles(through, package.TreeFiles.Select(f => f.Key), problems);
            }

            through.Drain();
            bytes += through.Consumed;
            options.Progress?.Report(bytes);
            var digest = through.Digest();
            hashed[relative] = new Hashed(digest, through.Consumed);
            if (checksums is not null)
            {
                CheckListed(checksums, relative, digest, problems);
            }
        }

        return (hashed, bytes, storeFiles);
    }

    /// <summary>A file's sha256 against its line in the checksum list (a stray file when it has none).</summary>
    private static void CheckListed(ChecksumList checksums, string relative, Digest digest, List<PackageProblem> problems)
    {
        if (!checksums.Entries.TryGetValue(relative, out var listed))
        {
            problems.Add(new PackageProblem(relative, $"not listed in {PackageLayout.Checksums} (a stray file, or the list is out of date)"));
        }
        else if (listed != digest.Hex)
        {
            problems.Add(new PackageProblem(relative, $"sha256 is {digest.Hex}, but {PackageLayout.Checksums}:{checksums.LineOf(relative)} says {listed}: the file is damaged or was changed"));
        }
    }

    private static int CheckOfflineFiles(Stream stream, IEnumerable<string> treeKeys, List<PackageProblem> problems)
    {
        var count = 0;
        var tree = new HashSet<string>(treeKeys, StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var error = TarGzArchive.Walk(stream, entry =>
        {
            if (OfflinePackage.OfflineFilesKey(entry, out var key))
            {
                count++;
                if (!keys.Add(key))
                {
                    problems.Add(new PackageProblem($"{PackageLayout.OfflineFilesArchive}!{entry.Name}", $"key '{key}' appears twice"));
                }
                else if (tree.Contains(key))
                {
                    problems.Add(new PackageProblem($"{PackageLayout.OfflineFilesArchive}!{entry.Name}", $"key '{key}' is also {PackageLayout.FilesDir}/{key}: one key, one file"));
                }

                return;
            }

            var name = TarGzArchive.CleanName(entry.Name);
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                problems.Add(new PackageProblem($"{PackageLayout.OfflineFilesArchive}!{entry.Name}",
                    name.StartsWith(PackageLayout.OfflineFilesPrefix, StringComparison.Ordinal)
                        ? "not usable as a file store key (absolute, '..' or backslash)"
                        : $"outside the archive's {PackageLayout.OfflineFilesPrefix} folder: kubean's layout puts every file under it"));
            }
        });
        if (error is not null)
        {
            problems.Add(new PackageProblem(PackageLayout.OfflineFilesArchive, error));
        }

        return count;
    }

    private static int CheckImages(OfflinePackage package, Dictionary<string, Hashed> hashed, List<PackageProblem> problems)
    {
        var prefix = PackageLayout.ImagesDir + "/";
        var visited = new HashSet<Digest>();
        var queue = new Queue<(Descriptor Descriptor, string ReferencedBy)>(package.Images.Select(i => (i.Descriptor, $"index.json ({i.Reference})")));
        while (queue.TryDequeue(out var item))
        {
            var (descriptor, by) = item;
            if (!visited.Add(descriptor.Digest))
            {
                continue;
            }

            var relative = prefix + descriptor.Digest.LayoutPath();
            if (!hashed.TryGetValue(relative, out var blob))
            {
                problems.Add(new PackageProblem(relative, $"missing: {descriptor.MediaType} {descriptor.Digest}, referenced by {by}"));
                continue;
            }

            if (blob.Digest != descriptor.Digest)
            {
                problems.Add(new PackageProblem(relative, $"content does not match its digest {descriptor.Digest}: its sha256 is {blob.Digest.Hex} (damaged blob)"));
                continue;
            }

            if (blob.Length != descriptor.Size)
            {
                problems.Add(new PackageProblem(relative, $"{blob.Length} bytes, but {by} says {descriptor.Size} for {descriptor.Digest}"));
                continue;
            }

            if (!descriptor.IsIndex && !descriptor.IsManifest)
            {
                continue;
            }

            using var json = OciLayoutReader.Parse(package.BlobPath(descriptor.Digest), out var parseError);
            if (json is null)
            {
                problems.Add(new PackageProblem(relative, $"{descriptor.MediaType} {descriptor.Digest}: {parseError}"));
                continue;
            }

            var errors = new List<string>();
            var children = OciLayoutReader.Children(json.RootElement, descriptor.MediaType, errors);
            foreach (var error in errors)
            {
                problems.Add(new PackageProblem(relative, $"{descriptor.MediaType} {descriptor.Digest}: {error}"));
            }

            var kind = descriptor.IsIndex ? "index" : "manifest";
            foreach (var child in children)
            {
                queue.Enqueue((child, $"{kind} {descriptor.Digest}"));
            }
        }

        return visited.Count;
    }
}
