using System.Globalization;
using System.Text.Json.Nodes;

namespace Kindling.Artifacts.Maintenance;

/// <summary>What <c>kindling node fsck</c> checked and found; its exit code follows e2fsck's (0 clean, 1 repaired, 4 left).</summary>
public sealed record FsckReport
{
    public required bool Repair { get; init; }

    public required IReadOnlyList<FsckFinding> Findings { get; init; }

    public required int BlobsChecked { get; init; }

    public required int ManifestsChecked { get; init; }

    public required int TagsChecked { get; init; }

    public required int ChartsChecked { get; init; }

    public required TimeSpan Duration { get; init; }

    public int Damaged => Count(FsckKind.Damaged);

    public int Dangling => Count(FsckKind.Dangling);

    public int Unreferenced => Count(FsckKind.Unreferenced);

    public int Leftovers => Count(FsckKind.Leftover);

    /// <summary>0: no damaged or dangling item; 1: there were, and --repair dealt with every one; 4: some are left.</summary>
    public int ExitCode => Damaged + Dangling == 0 ? 0
        : Findings.Where(f => f.Kind is FsckKind.Damaged or FsckKind.Dangling).All(f => f.Repair is not null) ? 1 : 4;

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{BlobsChecked} blobs, {ManifestsChecked} manifests, {TagsChecked} tags, {ChartsChecked} charts checked in {Duration.TotalSeconds:0.000} s: "
        + $"{Damaged} damaged, {Dangling} dangling, {Unreferenced} unreferenced blob(s) (garbage collection frees them), {Leftovers} leftover(s)"
        + $"{ExitCode switch { 0 => "; clean", 1 => "; all repaired", _ => Repair ? "; some could not be repaired" : "; run with --repair to quarantine the damaged and unlink the dangling" }}");

    private int Count(FsckKind kind) => Findings.Count(f => f.Kind == kind);

    public JsonObject ToJson() => new()
    {
        ["summary"] = Summary(),
        ["exitCode"] = ExitCode,
        ["repair"] = Repair,
        ["blobsChecked"] = BlobsChecked,
        ["manifestsChecked"] = ManifestsChecked,
        ["tagsChecked"] = TagsChecked,
        ["chartsChecked"] = ChartsChecked,
        ["damaged"] = Damaged,
        ["dangling"] = Dangling,
        ["unreferenced"] = Unreferenced,
        ["leftovers"] = Leftovers,
        ["durationSeconds"] = Math.Round(Duration.TotalSeconds, 6),
        ["findings"] = new JsonArray([.. Findings.Select(f => (JsonNode)f.ToJson())]),
    };
}
