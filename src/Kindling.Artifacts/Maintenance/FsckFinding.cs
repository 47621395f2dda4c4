using System.Text.Json.Nodes;

namespace Kindling.Artifacts.Maintenance;

/// <summary>What fsck found wrong with an item.</summary>
public enum FsckKind
{
    /// <summary>Bytes that do not match their name or record (a blob that hashes to another digest, an unreadable link file).</summary>
    Damaged,

    /// <summary>A link naming what is not there (a tag without its manifest, a manifest without a blob, a chart without its archive).</summary>
    Dangling,

    /// <summary>A blob nothing names: not damage, garbage collection frees it.</summary>
    Unreferenced,

    /// <summary>What an interrupted write left: temporary files, upload sessions past their idle limit, stray files.</summary>
    Leftover,
}

/// <summary>One finding: the item (a digest, <c>repository:tag</c>, <c>repository@digest</c>, a path), why, and what --repair did.</summary>
public sealed record FsckFinding(FsckKind Kind, string Item, string Detail)
{
    /// <summary>What --repair did about it (null: nothing).</summary>
    public string? Repair { get; init; }

    public JsonObject ToJson() => new()
    {
        ["kind"] = Kind.ToString().ToLowerInvariant(),
        ["item"] = Item,
        ["detail"] = Detail,
        ["repair"] = Repair,
    };

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant(),-12} {Item}: {Detail}{(Repair is null ? "" : $" — {Repair}")}";
}
