namespace Kindling.Dns.Server.Answering;

/// <summary>
/// The name a CNAME/DNAME chain has reached (as written and lowered) and the names it passed through, in stack
/// memory the caller provides: <see cref="ResponseBuilder"/> follows a chain without allocating.
/// </summary>
internal ref struct NameChain(Span<byte> current, Span<byte> currentLower, Span<int> visitedHashes, Span<int> visitedLengths,
    Span<byte> visitedNames)
{
    private readonly Span<byte> _current = current;
    private readonly Span<byte> _lower = currentLower;
    private readonly Span<int> _visitedHashes = visitedHashes;
    private readonly Span<int> _visitedLengths = visitedLengths;
    private readonly Span<byte> _visitedNames = visitedNames;

    /// <summary>Wire length of the current name.</summary>
    public int Length { get; private set; }

    /// <summary>The current name in the case it was asked or written in.</summary>
    public readonly ReadOnlySpan<byte> Original => _current[..Length];

    /// <summary>The current name lowered, for lookups.</summary>
    public readonly ReadOnlySpan<byte> Lower => _lower[..Length];

    public void Start(scoped ReadOnlySpan<byte> original, scoped ReadOnlySpan<byte> lower)
    {
        original.CopyTo(_current);
        lower.CopyTo(_lower);
        Length = lower.Length;
    }

    /// <summary>Goes on with <paramref name="wire"/> (a CNAME or synthesized target).</summary>
    public void MoveTo(scoped ReadOnlySpan<byte> wire)
    {
        wire.CopyTo(_current);
        wire.CopyTo(_lower);
        Length = wire.Length;
        DomainName.LowerInPlace(_lower[..Length]);
    }

    /// <summary>Records the current name as hop <paramref name="hop"/>; true when an earlier hop had the same name (a loop).</summary>
    public readonly bool SeenBefore(int hop)
    {
        var name = Lower;
        var slot = DomainName.MaxWireLength;
        _visitedHashes[hop] = LowerWireComparer.Hash(name);
        _visitedLengths[hop] = name.Length;
        name.CopyTo(_visitedNames[(hop * slot)..]);
        for (var v = 0; v < hop; v++)
        {
            // The hash only filters: a loop is the same name seen again (two names may share a 32-bit hash).
            if (_visitedHashes[v] == _visitedHashes[hop] && _visitedNames.Slice(v * slot, _visitedLengths[v]).SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }
}
