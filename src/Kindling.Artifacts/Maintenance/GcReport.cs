using System.Globalization;
using System.Text.Json.Nodes;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Maintenance;

/// <summary>What a garbage collection removed (or, dry, would remove) and what it kept.</summary>
public sealed record GcReport
{
    public required bool DryRun { get; init; }

    public required TimeSpan Grace { get; init; }

    public required bool DeleteUntagged { get; init; }

    /// <summary>Blob files looked at.</summary>
    public required int BlobsScanned { get; init; }

    /// <summary>Blobs reachable from a tag, an index, a referrer, a chart, or a kept blob link.</summary>
    public required int BlobsReachable { get; init; }

    /// <summary>Unreferenced blobs kept because they are younger than the grace or a push in progress holds them.</summary>
    public required int BlobsSpared { get; init; }

    public required IReadOnlyList<(Digest Digest, long Size)> RemovedBlobs { get; init; }

    /// <summary><c>repository@digest</c> of each blob link removed.</summary>
    public required IReadOnlyList<string> RemovedLinks { get; init; }

    /// <summary><c>repository@digest</c> of each untagged manifest removed.</summary>
    public required IReadOnlyList<string> RemovedManifests { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>How long writers waited: the time the collection held the store's gate exclusively.</summary>
    public required TimeSpan GateHeld { get; init; }

    public long BytesFreed => RemovedBlobs.Sum(b => b.Size);

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{(DryRun ? "would remove" : "removed")} {RemovedBlobs.Count} blob(s), {BytesFreed} bytes, {RemovedLinks.Count} blob link(s), {RemovedManifests.Count} untagged manifest(s); "
        + $"scanned {BlobsScanned} blobs: {BlobsReachable} reachable, {BlobsSpared} unreferenced but kept (younger than the {Grace.TotalHours:0.##} h grace or held by a push) "
        + $"in {Duration.TotalSeconds:0.000} s");

    public JsonObject ToJson() => new()
    {
        ["summary"] = Summary(),
        ["dryRun"] = DryRun,
        ["graceSeconds"] = Grace.TotalSeconds,
        ["deleteUntagged"] = DeleteUntagged,
        ["blobsScanned"] = BlobsScanned,
        ["blobsReachable"] = BlobsReachable,
        ["blobsSpared"] = BlobsSpared,
        ["blobsRemoved"] = RemovedBlobs.Count,
        ["bytesFreed"] = BytesFreed,
        ["removedBlobs"] = new JsonArray([.. RemovedBlobs.Select(b => (JsonNode)new JsonObject { ["digest"] = b.Digest.Value, ["size"] = b.Size })]),
        ["removedLinks"] = new JsonArray([.. RemovedLinks.Select(l => (JsonNode?)JsonValue.Create(l))]),
        ["removedManifests"] = new JsonArray([.. RemovedManifests.Select(m => (JsonNode?)JsonValue.Create(m))]),
        ["durationSeconds"] = Math.Round(Duration.TotalSeconds, 6),
        ["gateHeldSeconds"] = Math.Round(GateHeld.TotalSeconds, 6),
    };
}
