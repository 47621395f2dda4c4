
namespace Kindling.Installer.Package;

/// <summary>Writes a package's checksums.sha256 over every file of the folder (streaming), atomically.</summary>
internal static class PackageChecksums
{
    public static void Write(string packageDir)
    {
        var list = new ChecksumList();
        foreach (var path in Directory.EnumerateFiles(packageDir, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(packageDir, path).Replace(Path.DirectorySeparatorChar, '/');
            if (relative == PackageLayout.Checksums)
            {
                continue;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var through = new ReadThroughStream(file);
            through.Drain();
            list.Add(relative, through.Digest().Hex);
        }

        DurableFile.WriteAllText(Path.Combine(packageDir, PackageLayout.Checksums), list.Render());
    }
}
