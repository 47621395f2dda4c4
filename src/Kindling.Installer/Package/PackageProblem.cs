namespace Kindling.Installer.Package;

/// <summary>One thing wrong with a package: the file (relative to the package folder, or an absolute path outside it) and what.</summary>
public sealed record PackageProblem(string File, string Message)
{
    public override string ToString() => $"{File}: {Message}";
}

/// <summary>What <see cref="OfflinePackage.Verify"/> found: problems (none when the package is good) and what it checked.</summary>
public sealed class PackageReport
{
    public required IReadOnlyList<PackageProblem> Problems { get; init; }

    public bool Ok => Problems.Count == 0;

    public int FilesChecked { get; init; }

    public long BytesChecked { get; init; }

    public int Images { get; init; }

    public int Blobs { get; init; }

    public int Charts { get; init; }

    public int StoreFiles { get; init; }
}

/// <summary>A package that cannot be opened at all (no such folder), or a build that cannot run.</summary>
public sealed class PackageException(string message) : Exception(message);
