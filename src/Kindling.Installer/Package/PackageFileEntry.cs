namespace Kindling.Installer.Package;

/// <summary>
/// One file for the file store: its key in bucket <c>kubean</c> (the original host path, e.g.
/// <c>dl.k8s.io/release/v1.29.5/bin/linux/amd64/kubeadm</c>), its length and where it comes from.
/// Entries read from an archive are streamed: <see cref="OpenRead"/> is valid only until the enumeration moves on.
/// </summary>
public sealed class PackageFileEntry(string key, long length, string source, Func<Stream> open)
{
    public string Key { get; } = key;

    public long Length { get; } = length;

    /// <summary>For messages: <c>files/KEY</c>, or <c>ARCHIVE!ENTRY</c> for an archive member.</summary>
    public string Source { get; } = source;

    public Stream OpenRead() => open();

    public override string ToString() => $"{Key} ({Length} bytes, from {Source})";
}
