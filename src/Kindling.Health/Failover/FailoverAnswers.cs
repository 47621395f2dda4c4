using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using Kindling.Dns;

namespace Kindling.Health.Failover;

/// <summary>
/// The answer for one failover name as the query path serves it: immutable, built by the monitor when a
/// side switches, never computed while answering.
/// </summary>
public sealed class FailoverAnswer
{
    public FailoverAnswer(DomainName name, Side side, FailoverMode mode, IReadOnlyList<IPAddress> addresses, int ttl)
    {
        Name = name;
        Side = side;
        Mode = mode;
        Ttl = ttl;
        Addresses = addresses;
        IPv4 = [.. addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork)];
        IPv6 = [.. addresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6)];
    }

    public DomainName Name { get; }

    public Side Side { get; }

    public FailoverMode Mode { get; }

    public int Ttl { get; }

    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>The A RRset (RFC 1035 §3.4.1).</summary>
    public IReadOnlyList<IPAddress> IPv4 { get; }

    /// <summary>The AAAA RRset (RFC 3596).</summary>
    public IReadOnlyList<IPAddress> IPv6 { get; }
}

/// <summary>
/// Every failover name's current answer. The monitor replaces the whole table by a reference swap; readers
/// take <see cref="FailoverMonitor.Answers"/> once per query and never lock or wait.
/// </summary>
public sealed class FailoverAnswers
{
    public static readonly FailoverAnswers Empty = new(FrozenDictionary<string, FailoverAnswer>.Empty);

    private readonly FrozenDictionary<string, FailoverAnswer> _byName;

    private FailoverAnswers(FrozenDictionary<string, FailoverAnswer> byName) => _byName = byName;

    public int Count => _byName.Count;

    public IEnumerable<FailoverAnswer> All => _byName.Values;

    /// <summary>Looks a name up: absolute (trailing dot), compared without regard to ASCII case (RFC 4343).</summary>
    public bool TryGet(string name, out FailoverAnswer answer) => _byName.TryGetValue(name, out answer!);

    public FailoverAnswers With(FailoverAnswer answer)
    {
        var copy = new Dictionary<string, FailoverAnswer>(_byName, StringComparer.OrdinalIgnoreCase) { [answer.Name.ToString()] = answer };
        return new FailoverAnswers(copy.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }

    public static FailoverAnswers Of(IEnumerable<FailoverAnswer> answers) =>
        new(answers.ToFrozenDictionary(a => a.Name.ToString(), StringComparer.OrdinalIgnoreCase));
}
