
namespace Kindling.Installer.Package;

/// <summary>The parts <see cref="PackageBuilder.Build"/> assembles; every part is optional.</summary>
public sealed class PackageBuildRequest
{
    public required string OutputDir { get; init; }

    /// <summary>An OCI image layout whose index.json names each image by its full reference.</summary>
    public string? ImagesLayout { get; init; }

    /// <summary>A folder of Helm chart archives (*.tgz).</summary>
    public string? ChartsDir { get; init; }

    /// <summary>A folder whose tree is the files' keys (host/path...).</summary>
    public string? FilesDir { get; init; }

    /// <summary>kubean's offline-files.tar.gz.</summary>
    public string? OfflineFilesArchive { get; init; }

    public string Version { get; init; } = "v0.0.0";
}

/// <summary>
/// Assembles an offline package from its parts: copies them into a temporary folder beside the output, writes VERSION
/// and checksums.sha256, verifies the result, and only then renames it into place.
/// </summary>
public static class PackageBuilder
{
    public static PackageReport Build(PackageBuildRequest request)
    {
        var output = Path.GetFullPath(request.OutputDir);
        CheckOutput(output);
        CheckVersion(request.Version);

        Require(request.ImagesLayout, "--images", dir: true);
        Require(request.ChartsDir, "--charts", dir: true);
        Require(request.FilesDir, "--files", dir: true);
        Require(request.OfflineFilesArchive, "--offline-files", dir: false);
        if (request.ImagesLayout is { } layout && !File.Exists(Path.Combine(layout, "index.json")))
        {
            throw new PackageException($"{Path.GetFullPath(layout)}: not an OCI image layout (no index.json)");
        }

        var parent = Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(output)}.build-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temp);
            if (request.ImagesLayout is { } images)
            {
                CopyTree(images, Path.Combine(temp, PackageLayout.ImagesDir), _ => true);
            }

            if (request.ChartsDir is { } charts)
            {
                CopyTree(charts, Path.Combine(temp, PackageLayout.ChartsDir), p => p.EndsWith(".tgz", StringComparison.Ordinal) && !p.Contains('/', StringComparison.Ordinal));
            }

            if (request.FilesDir is { } files)
            {
                CopyTree(files, Path.Combine(temp, PackageLayout.FilesDir), _ => true);
            }

            if (request.OfflineFilesArchive is { } archive)
            {
                File.Copy(archive, Path.Combine(temp, PackageLayout.OfflineFilesArchive));
            }

            return Seal(temp, output, request.Version);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>
    /// Makes the assembled folder <paramref name="temp"/> a package: writes VERSION and checksums.sha256, verifies it,
    /// and only when it is valid renames it to <paramref name="output"/> (an absent or empty folder) and syncs the
    /// parent. A folder that does not verify is left for the caller to remove, and the report says why.
    /// </summary>
    public static PackageReport Seal(string temp, string output, string version)
    {
        CheckVersion(version);
        File.WriteAllText(Path.Combine(temp, PackageLayout.VersionFile), version + "\n");
        PackageChecksums.Write(temp);
        var report = OfflinePackage.Open(temp).Verify();
        if (!report.Ok)
        {
            return report;
        }

        if (Directory.Exists(output))
        {
            Directory.Delete(output);
        }

        Directory.Move(temp, output);
        DurableFile.SyncDirectory(Path.GetDirectoryName(output)!);
        return report;
    }

    /// <summary>Refuses an output that exists and is not an empty folder (nothing is ever written over).</summary>
    public static void CheckOutput(string output)
    {
        if (Path.Exists(output) && (!Directory.Exists(output) || Directory.EnumerateFileSystemEntries(output).Any()))
        {
            throw new PackageException($"{output}: already exists and is not an empty folder; give --out a new folder");
        }
    }

    public static void CheckVersion(string version)
    {
        if (version.Length == 0 || version.Any(char.IsWhiteSpace))
        {
            throw new PackageException($"--version '{version}': must be one word, such as v0.20.0");
        }
    }

    private static void Require(string? path, string option, bool dir)
    {
        if (path is not null && !(dir ? Directory.Exists(path) : File.Exists(path)))
        {
            throw new PackageException($"{option} {Path.GetFullPath(path)}: no such {(dir ? "folder" : "file")}");
        }
    }

    private static void CopyTree(string from, string to, Func<string, bool> include)
    {
        foreach (var path in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, path).Replace(Path.DirectorySeparatorChar, '/');
            if (!include(relative))
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(path, target);
        }
    }
}
