namespace Kindling.Replication.Clients;

/// <summary>Which package manager reads an OS repository.</summary>
public enum OsRepositoryKind
{
    /// <summary>An rpm-md repository (a folder holding <c>repodata/repomd.xml</c>).</summary>
    Yum,

    /// <summary>A Debian archive (a folder holding <c>dists/SUITE/Release</c>).</summary>
    Apt,
}

/// <summary>
/// One OS repository a node serves in bucket <c>kubean</c>: os-pkgs at <c>&lt;distro&gt;/&lt;version&gt;/os/&lt;arch&gt;</c>,
/// an ISO's content at <c>&lt;distro&gt;-iso/&lt;version&gt;/os/&lt;arch&gt;</c> (and sub-repositories such as <c>BaseOS</c>).
/// </summary>
/// <param name="Path">The folder inside the bucket, without slashes at either end.</param>
/// <param name="Suite">apt only: the suite under <c>dists/</c>.</param>
/// <param name="Components">apt only: the Release file's <c>Components</c>.</param>
public sealed record OsRepository(OsRepositoryKind Kind, string Path, string? Suite = null, IReadOnlyList<string>? Components = null)
{
    /// <summary>A stable identifier made of the path: <c>kindling-centos-iso-7-os-x86_64</c>.</summary>
    public string Id => "kindling-" + string.Concat(Path.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' ? c : '-'))
        + (Suite is null ? "" : "-" + Suite);
}
