namespace Kindling.Artifacts;

/// <summary>
/// The data folder's owner: <c>DIR/run/node.lock</c>, held (an exclusive <c>flock</c>) by a serving node for its whole
/// life and by an offline <c>kindling node gc</c> or <c>fsck --repair</c> while it works. A collection on the folder of
/// a running node would not see the pushes in progress that only the node knows of; so an offline one runs only when
/// it holds the lock, and a node does not start while one runs. The kernel drops the lock when its process ends, so a
/// killed node leaves nothing to clean up.
/// </summary>
public sealed class StoreLock : IDisposable
{
    private readonly FileStream _file;

    private StoreLock(FileStream file) => _file = file;

    /// <summary><c>DIR/run/node.lock</c>.</summary>
    public static string PathFor(string dataDirectory) => Path.Combine(Path.GetFullPath(dataDirectory), "run", "node.lock");

    /// <summary>Takes the lock of <paramref name="dataDirectory"/>; null when another process (or holder) has it.</summary>
    public static StoreLock? TryTake(string dataDirectory)
    {
        var path = PathFor(dataDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            // FileShare.None is an exclusive flock on Linux: a second holder, in this process or another, is refused.
            return new StoreLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}
