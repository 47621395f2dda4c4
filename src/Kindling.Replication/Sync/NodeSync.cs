using System.Diagnostics;
using Kindling.Artifacts.Content;
using Kindling.Replication.Charts;
using Kindling.Replication.Files;
using Kindling.Replication.Nodes;
using Kindling.Replication.Registry;

namespace Kindling.Replication.Sync;

/// <summary>What a sync run found and did.</summary>
public sealed record SyncResult(NodeEndpoints Source, NodeEndpoints Target, SyncTally Tally, TimeSpan Elapsed,
    string? SourceDigest, string? TargetDigestBefore, string? TargetDigestAfter)
{
    public bool Succeeded => Tally.Failures.Count == 0;

    /// <summary>The target holds what the source held when the run started (both publish content digests and they match).</summary>
    public bool InStep => SourceDigest is not null && SourceDigest == TargetDigestAfter;
}

/// <summary>
/// <c>kindling sync</c>: copies what the source node serves to the target node, by digest. Both nodes are found
/// from any one of their URLs; their content digests (when both publish them) let whole repositories, charts and
/// buckets that already match be skipped, so a run with nothing to do costs a few requests.
/// </summary>
public static class NodeSync
{
    public static async Task<SyncResult> RunAsync(SyncOptions options, SyncTally? tally = null, CancellationToken cancellationToken = default)
    {
        tally ??= new SyncTally();
        var watch = Stopwatch.StartNew();
        using var http = NodeHttp.CreateClient(options.Trust, options.Parallel * 2);
        var sourceTask = NodeEndpoints.DiscoverAsync(http, options.From, cancellationToken);
        var targetTask = NodeEndpoints.DiscoverAsync(http, options.To, cancellationToken);
        var source = await sourceTask;
        var target = await targetTask;
        if (source.Origin == target.Origin)
        {
            throw new ReplicationException($"--from and --to name the same node ({source.Origin}): give the other node's URL");
        }

        ContentDigestSnapshot? sourceDigests = null, targetDigests = null;
        if (options.UseContentDigests)
        {
            var s = ContentDigestClient.FetchAsync(http, source, cancellationToken);
            var t = ContentDigestClient.FetchAsync(http, target, cancellationToken);
            sourceDigests = await s;
            targetDigests = await t;
        }

        var images = options.Only.Contains(ContentKind.Images) && !ServiceEqual(sourceDigests, targetDigests, ContentKind.Images.Service());
        var charts = options.Only.Contains(ContentKind.Charts) && !ServiceEqual(sourceDigests, targetDigests, ContentKind.Charts.Service());
        var files = options.Only.Contains(ContentKind.Files) && !ServiceEqual(sourceDigests, targetDigests, ContentKind.Files.Service());
        if ((images || charts || files) && options.ToCredentials is not null && target.Registry is not null && !options.DryRun)
        {
            // One check before the parallel work; every service of a node shares its users. Skipped when the content
            // digests show nothing to copy (a bcrypt on the node is most of a no-change run otherwise).
            await new RegistryClient(http, target.Registry, options.ToCredentials).CheckCredentialsAsync(cancellationToken);
        }

        var kinds = new List<Task>();
        if (images)
        {
            kinds.Add(SyncImagesAsync(http, source, target, options, tally, sourceDigests, targetDigests, cancellationToken));
        }

        if (charts)
        {
            kinds.Add(SyncChartsAsync(http, source, target, options, tally, sourceDigests, targetDigests, cancellationToken));
        }

        if (files)
        {
            kinds.Add(SyncFilesAsync(http, source, target, options, tally, sourceDigests, targetDigests, cancellationToken));
        }

        await Task.WhenAll(kinds);

        var after = targetDigests;
        if (targetDigests is not null && !options.DryRun && tally.All.Any(k => k.Items + k.ItemsDeleted > 0))
        {
            after = await ContentDigestClient.FetchAsync(http, target, cancellationToken);
        }

        return new SyncResult(source, target, tally, watch.Elapsed, Scoped(sourceDigests, options), Scoped(targetDigests, options), Scoped(after, options));
    }

    private static async Task SyncImagesAsync(HttpClient http, NodeEndpoints source, NodeEndpoints target, SyncOptions options, SyncTally tally,
        ContentDigestSnapshot? sourceDigests, ContentDigestSnapshot? targetDigests, CancellationToken cancellationToken)
    {
        if (source.Registry is null || target.Registry is null)
        {
            tally.Fail(ContentKind.Images, (source.Registry is null ? source : target).ToString(), "the node serves no registry");
            return;
        }

        var from = new RegistryClient(http, source.Registry, options.FromCredentials);
        var to = new RegistryClient(http, target.Registry, options.ToCredentials, singleRequestUploads: target.IsKindling);
        var unchanged = ContentDigestClient.EqualParts(sourceDigests, targetDigests, ContentKind.Images.Service());
        try
        {
            using var images = new ImageSync(from, to, options, tally);
            await images.RunAsync(unchanged, cancellationToken);
        }
        catch (ReplicationException e)
        {
            tally.Fail(ContentKind.Images, target.Registry.ToString(), e.Message);
        }
    }

    private static async Task SyncChartsAsync(HttpClient http, NodeEndpoints source, NodeEndpoints target, SyncOptions options, SyncTally tally,
        ContentDigestSnapshot? sourceDigests, ContentDigestSnapshot? targetDigests, CancellationToken cancellationToken)
    {
        if (source.Charts is null || target.Charts is null)
        {
            // A plain registry has no chart repository: nothing to copy, not a failure.
            return;
        }

        var from = new ChartRepositoryClient(http, source.Charts, options.FromCredentials);
        var to = new ChartRepositoryClient(http, target.Charts, options.ToCredentials);
        try
        {
            await new ChartSync(from, to, options, tally).RunAsync(ContentDigestClient.EqualParts(sourceDigests, targetDigests, ContentKind.Charts.Service()), cancellationToken);
        }
        catch (ReplicationException e)
        {
            tally.Fail(ContentKind.Charts, target.Charts.ToString(), e.Message);
        }
    }

    private static async Task SyncFilesAsync(HttpClient http, NodeEndpoints source, NodeEndpoints target, SyncOptions options, SyncTally tally,
        ContentDigestSnapshot? sourceDigests, ContentDigestSnapshot? targetDigests, CancellationToken cancellationToken)
    {
        if (source.Files is null || target.Files is null)
        {
            return;
        }

        var from = new ObjectStoreClient(http, source.Files, options.FromCredentials);
        var to = new ObjectStoreClient(http, target.Files, options.ToCredentials);
        try
        {
            await new FileSync(from, to, options, tally).RunAsync(ContentDigestClient.EqualParts(sourceDigests, targetDigests, ContentKind.Files.Service()), cancellationToken);
        }
        catch (ReplicationException e)
        {
            tally.Fail(ContentKind.Files, target.Files.ToString(), e.Message);
        }
    }

    private static bool ServiceEqual(ContentDigestSnapshot? source, ContentDigestSnapshot? target, string service) =>
        source is not null && target is not null && source.Services.TryGetValue(service, out var s) && target.Services.TryGetValue(service, out var t)
        && s.Digest == t.Digest;

    /// <summary>The digest that a run limited with --only compares: the node's, or the single service's.</summary>
    private static string? Scoped(ContentDigestSnapshot? snapshot, SyncOptions options)
    {
        if (snapshot is null || options.Only.Count == SyncOptions.AllKinds.Count)
        {
            return snapshot?.Digest;
        }

        var services = options.Only.Select(k => k.Service());
        return string.Join(",", services.Select(s => snapshot.Services.TryGetValue(s, out var d) ? d.Digest : ContentDigest.EmptyDigest));
    }
}
