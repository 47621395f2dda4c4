using System.Formats.Tar;
using System.IO.Compression;

namespace Kindling.Installer.Package;

/// <summary>
/// kubean's OS packages archive (<c>osRepos.osPackagePath</c>, e.g. os-pkgs-centos7-v0.4.8.tar.gz): a gzip'd tar of
/// <c>os-pkgs/</c> holding <c>os-pkgs-&lt;arch&gt;.tar.gz</c> archives, <c>os-pkgs.sha256sum.txt</c> and
/// <c>import_ospkgs.sh</c>. Each inner archive holds <c>resources/&lt;distro&gt;/&lt;version&gt;/os/&lt;arch&gt;/...</c>
/// (a yum repository for centos), which kubean's import_ospkgs.sh copies to bucket <c>kubean</c> without the
/// <c>resources/</c> prefix: <c>kubean/centos/7/os/x86_64/repodata/repomd.xml</c>.
/// </summary>
internal static class OsPackageArchive
{
    internal const string Folder = "os-pkgs/";
    internal const string ChecksumFile = "os-pkgs/os-pkgs.sha256sum.txt";
    internal const string ResourcesPrefix = "resources/";

    /// <summary>Streams every file of every inner archive with its bucket key (valid until the enumeration moves on).</summary>
    public static IEnumerable<PackageFileEntry> EnumerateFiles(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var outer = new TarReader(gzip);
        while (outer.GetNextEntry() is { } archive)
        {
            if (!IsInnerArchive(archive) || archive.DataStream is not { } data)
            {
                continue;
            }

            using var innerGzip = new GZipStream(data, CompressionMode.Decompress, leaveOpen: true);
            using var inner = new TarReader(innerGzip);
            while (inner.GetNextEntry() is { } entry)
            {
                if (Key(entry) is { } key && entry.DataStream is { } content)
                {
                    yield return new PackageFileEntry(key, entry.Length, $"{Path.GetFileName(path)}!{archive.Name}!{entry.Name}", () => content);
                }
            }
        }
    }

    /// <summary>Problems with the archive (empty when it is whole and laid out as kubean's); each names the file.</summary>
    public static IReadOnlyList<PackageProblem> Verify(string path)
    {
        var full = Path.GetFullPath(path);
        var problems = new List<PackageProblem>();
        if (!File.Exists(full))
        {
            problems.Add(new PackageProblem(full, "no such file (osRepos.osPackagePath must name kubean's os-pkgs tar.gz)"));
            return problems;
        }

        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        string? checksumText = null;
        var inner = 0;
        using var file = File.OpenRead(full);
        var error = TarGzArchive.Walk(file, archive =>
        {
            var name = TarGzArchive.CleanName(archive.Name);
            if (name == ChecksumFile && archive.DataStream is { } text)
            {
                using var reader = new StreamReader(text, leaveOpen: true);
                checksumText = reader.ReadToEnd();
                return;
            }

            if (!IsInnerArchive(archive) || archive.DataStream is not { } data)
            {
                return;
            }

            inner++;
            digests[Path.GetFileName(name)] = VerifyInnerArchive(data, $"{full}!{name}", problems);
        });
        if (error is not null)
        {
            problems.Add(new PackageProblem(full, error));
            return problems;
        }

        if (inner == 0)
        {
            problems.Add(new PackageProblem(full, $"no {Folder}os-pkgs-<arch>.tar.gz inside: not kubean's OS packages archive"));
        }

        CheckChecksums(full, checksumText, digests, problems);
        return problems;
    }

    /// <summary>Walks one os-pkgs-&lt;arch&gt;.tar.gz: every file under kubean's layout, at least one; returns its sha256.</summary>
    private static string VerifyInnerArchive(Stream data, string where, List<PackageProblem> problems)
    {
        using var through = new ReadThroughStream(data);
        var files = 0;
        var innerError = TarGzArchive.Walk(through, entry =>
        {
            if (Key(entry) is not null)
            {
                files++;
            }
            else if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                problems.Add(new PackageProblem($"{where}!{entry.Name}", $"not under {ResourcesPrefix}<distro>/<version>/os/<arch>/, where kubean's layout puts every file"));
            }
        });
        through.Drain();
        if (innerError is not null)
        {
            problems.Add(new PackageProblem(where, innerError));
        }
        else if (files == 0)
        {
            problems.Add(new PackageProblem(where, $"holds no files under {ResourcesPrefix}"));
        }

        return through.Digest().Hex;
    }

    /// <summary>The inner archives' sha256 against the archive's checksum file (lines naming no inner archive are ignored).</summary>
    private static void CheckChecksums(string full, string? checksumText, Dictionary<string, string> digests, List<PackageProblem> problems)
    {
        foreach (var line in (checksumText ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            var listed = parts.Length == 2 ? Path.GetFileName(parts[1].TrimStart('*')) : "";
            if (digests.TryGetValue(listed, out var actual) && !string.Equals(actual, parts[0], StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new PackageProblem($"{full}!{Folder}{listed}", $"sha256 is {actual}, but {ChecksumFile} says {parts[0]}"));
            }
        }
    }

    private static bool IsInnerArchive(TarEntry entry)
    {
        var name = TarGzArchive.CleanName(entry.Name);
        return entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile
            && name.StartsWith(Folder + "os-pkgs-", StringComparison.Ordinal) && name.EndsWith(".tar.gz", StringComparison.Ordinal);
    }

    private static string? Key(TarEntry entry)
    {
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
        {
            return null;
        }

        var name = TarGzArchive.CleanName(entry.Name);
        if (!name.StartsWith(ResourcesPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var key = name[ResourcesPrefix.Length..];
        return ChecksumList.IsSafeRelativePath(key) && key.Split('/').Length >= 5 ? key : null;
    }
}
