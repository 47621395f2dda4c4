using Kindling.Artifacts.Registry;

namespace Kindling.Replication.Prune;

/// <summary>A manifest read from the peer during a prune: its parsed document, or why it does not parse.</summary>
internal sealed record PeerManifest(ManifestDocument? Document, string? Error);
