using System.Net;
using System.Net.Sockets;

namespace Kindling.Dns.Server.Overlay;

/// <summary>The addresses a failover name currently answers with (its whole A and AAAA RRsets).</summary>
public sealed record OverlayEntry(DomainName Name, uint Ttl, IReadOnlyList<IPAddress> Addresses)
{
    public IEnumerable<IPAddress> V4 => Addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork);

    public IEnumerable<IPAddress> V6 => Addresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6);

    public bool SameAs(OverlayEntry? other) =>
        other is not null && other.Name == Name && other.Ttl == Ttl && other.Addresses.Order(AddressOrder.Instance).SequenceEqual(Addresses.Order(AddressOrder.Instance));

    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();

        public int Compare(IPAddress? x, IPAddress? y) => string.CompareOrdinal(x?.ToString(), y?.ToString());
    }
}

/// <summary>An immutable version of the overlay: names (compared without case) to their override entries.</summary>
public sealed class OverlaySnapshot(IReadOnlyDictionary<DomainName, OverlayEntry> entries, long version)
{
    public static OverlaySnapshot Empty { get; } = new(new Dictionary<DomainName, OverlayEntry>(), 0);

    public IReadOnlyDictionary<DomainName, OverlayEntry> Entries { get; } = entries;

    public long Version { get; } = version;
}

/// <summary>
/// Override RRsets computed outside the DNS server (the health monitor's failover decisions): for each name, the A/AAAA
/// records that replace the zone file's. The server reads <see cref="Current"/> (a volatile, immutable snapshot) and,
/// on <see cref="Changed"/>, publishes a new zone version with a bumped SOA serial, journals it and notifies
/// secondaries. Queries never wait on the overlay: they see the zone version that includes it.
/// </summary>
public interface IRecordOverlay
{
    OverlaySnapshot Current { get; }

    /// <summary>Raised after <see cref="Current"/> changed; handlers must be quick (the server's takes a lock briefly).</summary>
    event Action<OverlaySnapshot>? Changed;
}

/// <summary>The overlay a health monitor (or a test, or <c>kindling dns switch</c>) writes to. Writers are serialized; readers never lock.</summary>
public sealed class RecordOverlay : IRecordOverlay
{
    private readonly Lock _writers = new();
    private volatile OverlaySnapshot _current = OverlaySnapshot.Empty;

    public OverlaySnapshot Current => _current;

    public event Action<OverlaySnapshot>? Changed;

    /// <summary>Makes <paramref name="name"/> answer exactly <paramref name="addresses"/> (A and AAAA) with <paramref name="ttl"/>.</summary>
    public void Set(DomainName name, uint ttl, IReadOnlyList<IPAddress> addresses) => Replace(new OverlayEntry(name, ttl, [.. addresses]), remove: null);

    /// <summary>Stops overriding <paramref name="name"/>: the zone file's records answer again.</summary>
    public void Remove(DomainName name) => Replace(null, remove: name);

    /// <summary>Loads entries (from the journal at start) without raising <see cref="Changed"/>.</summary>
    public void Restore(IEnumerable<OverlayEntry> entries)
    {
        lock (_writers)
        {
            var map = new Dictionary<DomainName, OverlayEntry>(_current.Entries);
            foreach (var entry in entries)
            {
                map[entry.Name] = entry;
            }

            _current = new OverlaySnapshot(map, _current.Version + 1);
        }
    }

    private void Replace(OverlayEntry? entry, DomainName? remove)
    {
        OverlaySnapshot next;
        lock (_writers)
        {
            var map = new Dictionary<DomainName, OverlayEntry>(_current.Entries);
            if (entry is not null)
            {
                if (entry.SameAs(map.GetValueOrDefault(entry.Name)))
                {
                    return;
                }

                map[entry.Name] = entry;
            }
            else if (!map.Remove(remove!.Value))
            {
                return;
            }

            next = new OverlaySnapshot(map, _current.Version + 1);
            _current = next;
        }

        Changed?.Invoke(next);
    }
}
