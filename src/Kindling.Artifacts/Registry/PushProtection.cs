using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Registry;

/// <summary>
/// What pushes in progress rely on, per repository and digest: a blob a client checked (HEAD), uploaded or mounted,
/// or a manifest it pushed by digest. Each such check counts once, with the time of the last
/// (<see cref="Environment.TickCount64"/>); a new manifest that names the digest settles one check (its push is
/// done, the manifest keeps the content now). Garbage collection keeps whatever has an unsettled check younger than
/// its push window.
/// <para>
/// Nothing else clears a check: deleting a manifest removes no protection, because the registry cannot tell
/// whose check it is: push B may have checked a layer that manifest A also names just before A is deleted, and
/// B's manifest must still find the layer. A check no manifest settles (a client that only looked, a push given
/// up, a manifest put again under another tag) keeps its content for the push window only.
/// </para>
/// </summary>
internal sealed class PushProtection
{
    private readonly Dictionary<(string Repository, Digest Digest), (int Count, long At)> _checks = [];

    /// <summary>A push relies on <paramref name="digest"/> in <paramref name="repository"/> from now on.</summary>
    public void Check(string repository, Digest digest)
    {
        var now = Environment.TickCount64;
        lock (_checks)
        {
            var count = _checks.TryGetValue((repository, digest), out var known) ? known.Count : 0;
            _checks[(repository, digest)] = (count + 1, now);
        }
    }

    /// <summary>A new manifest names the digest: one push relying on it is done.</summary>
    public void Settle(string repository, Digest digest)
    {
        lock (_checks)
        {
            if (_checks.TryGetValue((repository, digest), out var known))
            {
                if (known.Count <= 1)
                {
                    _checks.Remove((repository, digest));
                }
                else
                {
                    _checks[(repository, digest)] = (known.Count - 1, known.At);
                }
            }
        }
    }

    /// <summary>True when an unsettled check of the digest was made at or after <paramref name="sinceTicks"/>.</summary>
    public bool IsPending(string repository, Digest digest, long sinceTicks)
    {
        lock (_checks)
        {
            return _checks.TryGetValue((repository, digest), out var known) && known.At >= sinceTicks;
        }
    }

    /// <summary>Forgets checks whose last one is older than <paramref name="sinceTicks"/> (they protect nothing any more).</summary>
    public void Prune(long sinceTicks)
    {
        lock (_checks)
        {
            foreach (var (key, value) in _checks)
            {
                if (value.At < sinceTicks)
                {
                    _checks.Remove(key);
                }
            }
        }
    }

    /// <summary>Forgets the checks of a blob link garbage collection removed (only done when none was pending).</summary>
    public void Forget(string repository, Digest digest)
    {
        lock (_checks)
        {
            _checks.Remove((repository, digest));
        }
    }
}
