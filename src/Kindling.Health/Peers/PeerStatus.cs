namespace Kindling.Health.Peers;

/// <summary>
/// One peer as <c>/status</c> shows it: whether its last push or poll got through (<see cref="Reachable"/>), whether
/// its last view is fresh enough to count (<see cref="Up"/> needs both), that view and its age, and what became of the
/// views it sent (accepted, rejected for a bad MAC, replayed, stale, malformed) and how often its view disagreed with this one's.
/// </summary>
public sealed record PeerStatus(
    string Name,
    string Url,
    bool Up,
    bool Reachable,
    bool Fresh,
    double? AgeSeconds,
    string View,
    PeerView? LastView,
    long Accepted,
    long RejectedMac,
    long Replayed,
    long Stale,
    long Malformed,
    long Disagreements,
    bool Disagreeing,
    DateTimeOffset? LastReachedAt,
    string? LastError);
