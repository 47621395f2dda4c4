namespace Kindling.Installer.Retention;

/// <summary>
/// One thing an offline package put on the node, named as the node's content digest names it: service
/// (<c>registry</c>, <c>charts</c>, <c>files</c>), part (repository, chart name, bucket), name (tag, chart version,
/// key) and the value it had when imported (manifest digest, archive digest, object MD5).
/// </summary>
public readonly record struct ReleaseItem(string Service, string Part, string Name, string Value)
{
    public const string Registry = "registry";
    public const string Charts = "charts";
    public const string Files = "files";

    /// <summary>What the item is, without its value.</summary>
    public (string Service, string Part, string Name) Key => (Service, Part, Name);

    public override string ToString() => Service switch
    {
        Registry => $"image {Part}:{Name}",
        Charts => $"chart {Part} {Name}",
        _ => $"file {Part}/{Name}",
    };
}
