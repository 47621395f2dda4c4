namespace Kindling.Config;

/// <summary>
/// DCE's <c>manifest.yaml</c> (<c>manifest.daocloud.io/v1alpha1</c>, kind <c>DCEManifest</c>): which components and
/// versions an installation carries. Kindling reads it for validation and reporting; it installs no components.
/// </summary>
public sealed record DceManifest
{
    public const string SupportedApiVersion = "manifest.daocloud.io/v1alpha1";

    public required string SourceFile { get; init; }
    public string? HelmRepo { get; init; }
    public string? ImageRepo { get; init; }
    public IReadOnlyDictionary<string, ManifestComponent> Infrastructures { get; init; } = new Dictionary<string, ManifestComponent>();
    public IReadOnlyDictionary<string, ManifestComponent> Components { get; init; } = new Dictionary<string, ManifestComponent>();

    public IEnumerable<ManifestComponent> Enabled =>
        Infrastructures.Values.Concat(Components.Values).Where(c => c.Enable);
}

/// <summary>One entry of <c>infrastructures</c> or <c>components</c>; keys other than these are kept in <see cref="Other"/>.</summary>
public sealed record ManifestComponent
{
    public required string Name { get; init; }
    public bool Enable { get; init; }
    public string? HelmVersion { get; init; }
    public string? Version { get; init; }
    public string? HelmRepo { get; init; }
    public string? ImageRepo { get; init; }
    public IReadOnlyDictionary<string, object?> Other { get; init; } = new Dictionary<string, object?>();
}
