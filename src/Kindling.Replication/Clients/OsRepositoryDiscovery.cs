using Kindling.Replication.Files;

namespace Kindling.Replication.Clients;

/// <summary>
/// Finds the OS repositories a node serves from its own file store (ListObjectsV2 of bucket <c>kubean</c>, anonymous
/// as clients read it): every folder holding <c>repodata/repomd.xml</c> is an rpm repository, every
/// <c>dists/SUITE/Release</c> an apt archive (its components read from the Release file).
/// </summary>
internal static class OsRepositoryDiscovery
{
    public const string Bucket = "kubean";

    public static async Task<IReadOnlyList<OsRepository>> FindAsync(ObjectStoreClient store, CancellationToken cancellationToken)
    {
        var repositories = new List<OsRepository>();
        foreach (var item in await store.ListAsync(Bucket, cancellationToken))
        {
            if (item.Key.EndsWith("/repodata/repomd.xml", StringComparison.Ordinal))
            {
                repositories.Add(new OsRepository(OsRepositoryKind.Yum, item.Key[..^"/repodata/repomd.xml".Length]));
            }
            else if (AptRelease(item.Key) is { } release)
            {
                using var stream = await store.OpenAsync(Bucket, item, cancellationToken);
                using var reader = new StreamReader(stream);
                var components = ParseComponents(await reader.ReadToEndAsync(cancellationToken));
                repositories.Add(new OsRepository(OsRepositoryKind.Apt, release.Root, release.Suite, components));
            }
        }

        return [.. repositories.OrderBy(r => r.Path, StringComparer.Ordinal).ThenBy(r => r.Suite, StringComparer.Ordinal)];
    }

    /// <summary><c>ubuntu/22.04/os/amd64/dists/jammy/Release</c> → (<c>ubuntu/22.04/os/amd64</c>, <c>jammy</c>).</summary>
    internal static (string Root, string Suite)? AptRelease(string key)
    {
        var parts = key.Split('/');
        return parts.Length >= 4 && parts[^1] == "Release" && parts[^3] == "dists" ? (string.Join('/', parts[..^3]), parts[^2]) : null;
    }

    internal static IReadOnlyList<string> ParseComponents(string release)
    {
        var line = release.Split('\n').FirstOrDefault(l => l.StartsWith("Components:", StringComparison.Ordinal));
        var components = line?["Components:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return components.Length == 0 ? ["main"] : components;
    }
}
