namespace Kindling.Artifacts.Storage;

/// <summary>
/// The store-level gate between writers and garbage collection (docs/storage-layout.md, "Garbage collection"):
/// every step that makes a blob referenced — committing a blob, linking it into a repository, storing a manifest
/// or a chart link — holds it shared (many at once, re-entrant); a collection holds it exclusively while it marks
/// and sweeps, so it never sees a reference half made, and a writer never names a blob the collection is removing.
/// Shared sections are short and synchronous (no await inside), so a thread-affine lock is right.
/// </summary>
public sealed class StoreGate : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);

    /// <summary>Held by a write step that adds a reference; dispose to leave.</summary>
    public Section EnterShared()
    {
        _lock.EnterReadLock();
        return new Section(_lock, exclusive: false);
    }

    /// <summary>Held by a collection or a repair while it decides and removes; waits for shared sections to end.</summary>
    public Section EnterExclusive()
    {
        _lock.EnterWriteLock();
        return new Section(_lock, exclusive: true);
    }

    /// <summary>Frees the lock; only when nothing uses the store any more.</summary>
    public void Dispose() => _lock.Dispose();

    /// <summary>An entered section of the gate.</summary>
    public readonly struct Section(ReaderWriterLockSlim gate, bool exclusive) : IDisposable
    {
        public void Dispose()
        {
            if (exclusive)
            {
                gate.ExitWriteLock();
            }
            else
            {
                gate.ExitReadLock();
            }
        }
    }
}
