using Kindling.Dns.Server.Zones;

namespace Kindling.Dns.Server.Transfer;

/// <summary>
/// What a zone transfer from a primary brought: nothing new (<see cref="UpToDate"/>), the whole zone
/// (<see cref="Records"/>, AXFR or IXFR in AXFR form, SOA first and the closing SOA left out), or increments
/// (<see cref="Changes"/>, IXFR, RFC 1995 §4: each the records deleted and added, SOAs included).
/// </summary>
internal sealed record TransferResult(uint Serial)
{
    public bool UpToDate { get; init; }

    public List<ResourceRecord>? Records { get; init; }

    public List<JournalEntry> Changes { get; init; } = [];
}
