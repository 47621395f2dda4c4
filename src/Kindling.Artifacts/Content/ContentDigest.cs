using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Kindling.Artifacts.Content;

/// <summary>
/// One digest over everything a node serves by name, maintained incrementally: each service (registry, charts,
/// files) is a set of parts (a repository, a chart, a bucket), each part a map of names to content digests
/// (tag to manifest digest, version to archive digest, key to object digest). A change updates one entry, never
/// rereads a blob.
/// <para>
/// Set hash: every entry is hashed (SHA-256 of service, part, name and value) and the hashes are added modulo
/// 2^256 (Bellare and Micciancio's AdHash), so adding and removing an entry are O(1) and the result does not
/// depend on order. A part's digest is SHA-256 of its sum and entry count; a service's likewise over all its
/// entries; the node's digest is SHA-256 over the services' digests. Equal content gives equal digests on every
/// node, so two nodes compare with one request each and a differing part is found without listing the others.
/// </para>
/// </summary>
public sealed class ContentDigest
{
    /// <summary>The services every node reports, in the order the node digest covers them (absent ones are empty).</summary>
    public static readonly IReadOnlyList<string> Services = [.. ContentKinds.All.Select(k => k.Service())];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServiceState> _services = new(StringComparer.Ordinal);
    private long _version;
    private ContentDigestSnapshot? _snapshot;

    public ContentDigest()
    {
        foreach (var service in Services)
        {
            _services[service] = new ServiceState();
        }
    }

    /// <summary>Changes once per modification; a snapshot of the same version is the same.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Sets (or, with a null value, removes) one entry: <paramref name="name"/> in <paramref name="part"/> names <paramref name="value"/>.</summary>
    public void Set(string service, string part, string name, string? value)
    {
        lock (_lock)
        {
            if (!_services.TryGetValue(service, out var state))
            {
                _services[service] = state = new ServiceState();
            }

            if (!state.Parts.TryGetValue(part, out var partState))
            {
                if (value is null)
                {
                    return;
                }

                state.Parts[part] = partState = new PartState();
            }

            if (partState.Entries.TryGetValue(name, out var old))
            {
                if (old == value)
                {
                    return;
                }

                var oldHash = EntryHash(service, part, name, old);
                partState.Sum.Subtract(oldHash);
                state.Sum.Subtract(oldHash);
                partState.Entries.Remove(name);
            }

            if (value is not null)
            {
                var hash = EntryHash(service, part, name, value);
                partState.Sum.Add(hash);
                state.Sum.Add(hash);
                partState.Entries[name] = value;
            }
            else if (partState.Entries.Count == 0)
            {
                state.Parts.Remove(part);
            }

            _snapshot = null;
            _version++;
        }
    }

    /// <summary>The current digests (cached until the next change).</summary>
    public ContentDigestSnapshot Snapshot()
    {
        lock (_lock)
        {
            if (_snapshot is { } cached)
            {
                return cached;
            }

            var services = new SortedDictionary<string, ServiceDigest>(StringComparer.Ordinal);
            var top = new StringBuilder();
            foreach (var (name, state) in _services.OrderBy(s => Services.Contains(s.Key) ? Services.ToList().IndexOf(s.Key) : int.MaxValue).ThenBy(s => s.Key, StringComparer.Ordinal))
            {
                var count = state.Parts.Values.Sum(p => (long)p.Entries.Count);
                var parts = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var (part, partState) in state.Parts)
                {
                    parts[part] = Seal(partState.Sum, partState.Entries.Count);
                }

                var digest = Seal(state.Sum, count);
                services[name] = new ServiceDigest(digest, count, parts);
                top.Append(name).Append(' ').Append(digest).Append('\n');
            }

            _snapshot = new ContentDigestSnapshot("sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(top.ToString()))), _version, services);
            return _snapshot;
        }
    }

    /// <summary>The entries of one part (name to value), for listing what differs; empty when the part is unknown.</summary>
    public IReadOnlyDictionary<string, string> Entries(string service, string part)
    {
        lock (_lock)
        {
            return _services.TryGetValue(service, out var state) && state.Parts.TryGetValue(part, out var partState)
                ? new SortedDictionary<string, string>(partState.Entries, StringComparer.Ordinal)
                : new SortedDictionary<string, string>(StringComparer.Ordinal);
        }
    }

    /// <summary>Every entry with the node digest they make, taken together under the lock (replication's common base).</summary>
    public (string Digest, IReadOnlyList<(string Service, string Part, string Name, string Value)> Entries) Export()
    {
        lock (_lock)
        {
            var entries = _services.SelectMany(s => s.Value.Parts.SelectMany(p => p.Value.Entries.Select(e => (s.Key, p.Key, e.Key, e.Value)))).ToList();
            return (Snapshot().Digest, entries);
        }
    }

    /// <summary>The digest of an empty service or part (the same everywhere).</summary>
    public static string EmptyDigest { get; } = Seal(default, 0);

    private static UInt256 EntryHash(string service, string part, string name, string value)
    {
        // Length-prefixed fields, so no choice of names can make two different entries hash alike.
        var text = $"{service.Length}:{service}{part.Length}:{part}{name.Length}:{name}{value.Length}:{value}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return UInt256.FromBigEndian(hash);
    }

    private static string Seal(UInt256 sum, long count)
    {
        Span<byte> buffer = stackalloc byte[40];
        sum.WriteBigEndian(buffer);
        BinaryPrimitives.WriteInt64BigEndian(buffer[32..], count);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer));
    }

    private sealed class ServiceState
    {
        public UInt256 Sum;
        public Dictionary<string, PartState> Parts { get; } = new(StringComparer.Ordinal);
    }

    private sealed class PartState
    {
        public UInt256 Sum;
        public Dictionary<string, string> Entries { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>A 256-bit unsigned integer with wrapping addition and subtraction (four 64-bit limbs, little-endian).</summary>
    private struct UInt256
    {
        private ulong _a, _b, _c, _d;

        public static UInt256 FromBigEndian(ReadOnlySpan<byte> bytes) => new()
        {
            _d = BinaryPrimitives.ReadUInt64BigEndian(bytes),
            _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            _a = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]),
        };

        public readonly void WriteBigEndian(Span<byte> bytes)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes, _d);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _c);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], _b);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], _a);
        }

        public void Add(UInt256 other)
        {
            ulong carry = 0;
            _a = AddLimb(_a, other._a, ref carry);
            _b = AddLimb(_b, other._b, ref carry);
            _c = AddLimb(_c, other._c, ref carry);
            _d = AddLimb(_d, other._d, ref carry);
        }

        public void Subtract(UInt256 other)
        {
            ulong borrow = 0;
            _a = SubtractLimb(_a, other._a, ref borrow);
            _b = SubtractLimb(_b, other._b, ref borrow);
            _c = SubtractLimb(_c, other._c, ref borrow);
            _d = SubtractLimb(_d, other._d, ref borrow);
        }

        private static ulong AddLimb(ulong x, ulong y, ref ulong carry)
        {
            var sum = x + y;
            var carried = sum + carry;
            carry = (sum < x ? 1UL : 0UL) | (carried < sum ? 1UL : 0UL);
            return carried;
        }

        private static ulong SubtractLimb(ulong x, ulong y, ref ulong borrow)
        {
            var difference = x - y;
            var borrowed = difference - borrow;
            borrow = (x < y ? 1UL : 0UL) | (difference < borrow ? 1UL : 0UL);
            return borrowed;
        }
    }
}

/// <summary>The digests at one moment: the node's, and per service its digest, entry count and parts.</summary>
public sealed record ContentDigestSnapshot(string Digest, long Version, IReadOnlyDictionary<string, ServiceDigest> Services);

public sealed record ServiceDigest(string Digest, long Items, IReadOnlyDictionary<string, string> Parts);
