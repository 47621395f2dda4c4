using Kindling.Artifacts.Content;
using Kindling.Replication.Sync;

namespace Kindling.Replication.Charts;

/// <summary>
/// Copies chart versions whose archive digest differs (or is missing) on the target: downloaded, checked
/// against the source's listed digest, uploaded (replacing with <c>?force</c> only when the target has another
/// archive under that version). Charts whose content digests match on both nodes are not listed at all.
/// </summary>
internal sealed class ChartSync(ChartRepositoryClient source, ChartRepositoryClient target, SyncOptions options, SyncTally tally)
{
    private readonly KindTally _tally = tally.Charts;

    public async Task RunAsync(IReadOnlySet<string> unchanged, CancellationToken cancellationToken)
    {
        var sourceTask = source.ListAsync(cancellationToken);
        var targetTask = target.ListAsync(cancellationToken);
        var sourceCharts = await sourceTask;
        var targetCharts = await targetTask;
        _tally.PartsSkipped(sourceCharts.Keys.Count(unchanged.Contains));

        var copies = new List<(ChartVersion Chart, ChartVersion? Old)>();
        foreach (var (name, versions) in sourceCharts.Where(c => !unchanged.Contains(c.Key)))
        {
            var existing = targetCharts.TryGetValue(name, out var list) ? list.ToDictionary(v => v.Version, StringComparer.Ordinal) : [];
            foreach (var version in versions.Where(v => options.Includes(ContentKind.Charts, name, v.Version)))
            {
                var old = existing.GetValueOrDefault(version.Version);
                if (old is not null && (string.Equals(old.Digest, version.Digest, StringComparison.OrdinalIgnoreCase) || options.AddOnly))
                {
                    _tally.ItemUpToDate();
                    continue;
                }

                _tally.ItemPlanned();
                copies.Add((version, old));
            }
        }

        await ForEachAsync(copies, c => $"{c.Chart.Name} {c.Chart.Version}", async (copy, token) =>
        {
            if (!options.DryRun)
            {
                var archive = await source.DownloadAsync(copy.Chart, token);
                await target.UploadAsync(copy.Chart, archive, replace: copy.Old is not null, token);
                _tally.ObjectCopied(archive.Length);
            }

            _tally.ItemCopied();
            tally.Change(new SyncChange(new ContentItem(ContentKind.Charts, copy.Chart.Name, copy.Chart.Version), copy.Old is null ? SyncAction.Add : SyncAction.Update, $"{copy.Chart.Name} {copy.Chart.Version}",
                copy.Old is null ? null : "sha256:" + copy.Old.Digest, "sha256:" + copy.Chart.Digest));
        }, cancellationToken);

        if (options.Delete)
        {
            var deletions = targetCharts.SelectMany(c => c.Value)
                .Where(v => !(sourceCharts.TryGetValue(v.Name, out var versions) && versions.Any(s => s.Version == v.Version)))
                .ToList();
            await ForEachAsync(deletions, d => $"{d.Name} {d.Version}", async (chart, token) =>
            {
                if (!options.DryRun)
                {
                    await target.DeleteAsync(chart.Name, chart.Version, token);
                }

                _tally.ItemDeleted();
                tally.Change(new SyncChange(new ContentItem(ContentKind.Charts, chart.Name, chart.Version), SyncAction.Delete, $"{chart.Name} {chart.Version}", "sha256:" + chart.Digest, null));
            }, cancellationToken);
        }
    }

    private Task ForEachAsync<T>(IEnumerable<T> items, Func<T, string> name, Func<T, CancellationToken, Task> body, CancellationToken cancellationToken) =>
        SyncWork.ForEachAsync(items, ContentKind.Charts, name, body, options, tally, cancellationToken);
}
