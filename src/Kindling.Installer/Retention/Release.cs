namespace Kindling.Installer.Retention;

/// <summary>One imported offline package (its <c>VERSION</c>): when, from where, and what it brought.</summary>
public sealed record Release(string Version, string Package, DateTimeOffset Imported, IReadOnlyList<ReleaseItem> Items);
