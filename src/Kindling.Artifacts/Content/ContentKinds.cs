namespace Kindling.Artifacts.Content;

/// <summary>
/// The one place that spells the kinds of content: the service names on the wire (<c>registry</c>, <c>charts</c>,
/// <c>files</c>: the content digest's JSON, <c>/kindling/v1/info</c>, the replication base file, the metrics'
/// <c>service</c> label) and the names the CLI prints and <c>--only</c> takes (<c>images</c>, <c>charts</c>, <c>files</c>).
/// </summary>
public static class ContentKinds
{
    /// <summary>Every kind, in the order the node digest covers their services.</summary>
    public static IReadOnlyList<ContentKind> All { get; } = [ContentKind.Images, ContentKind.Charts, ContentKind.Files];

    /// <summary>The service's name on the wire: <c>registry</c>, <c>charts</c> or <c>files</c>.</summary>
    public static string Service(this ContentKind kind) => kind switch
    {
        ContentKind.Images => "registry",
        ContentKind.Charts => "charts",
        ContentKind.Files => "files",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind of content"),
    };

    /// <summary>The kind whose service is named <paramref name="service"/> on the wire, or null.</summary>
    public static ContentKind? FromService(string service) => All.Where(k => k.Service() == service).Select(k => (ContentKind?)k).FirstOrDefault();

    /// <summary>The name the CLI prints (and <c>--only</c> takes): <c>images</c>, <c>charts</c> or <c>files</c>.</summary>
    public static string Name(this ContentKind kind) => kind switch
    {
        ContentKind.Images => "images",
        ContentKind.Charts => "charts",
        ContentKind.Files => "files",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind of content"),
    };

    /// <summary>
    /// Reads a kind as a person writes it: its name, singular or plural, or its service's name (<c>images</c>,
    /// <c>image</c>, <c>registry</c>; <c>charts</c>, <c>chart</c>; <c>files</c>, <c>file</c>), in any case.
    /// </summary>
    public static bool TryParse(string text, out ContentKind kind)
    {
        foreach (var candidate in All)
        {
            var name = candidate.Name();
            if (text.Equals(name, StringComparison.OrdinalIgnoreCase) || text.Equals(name[..^1], StringComparison.OrdinalIgnoreCase)
                || text.Equals(candidate.Service(), StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>What the kind's parts are called: <c>repositories</c>, <c>charts</c> or <c>buckets</c>.</summary>
    public static string Parts(this ContentKind kind) => kind switch
    {
        ContentKind.Images => "repositories",
        ContentKind.Charts => "charts",
        ContentKind.Files => "buckets",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind of content"),
    };
}
