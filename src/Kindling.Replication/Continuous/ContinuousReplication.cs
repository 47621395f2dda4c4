using System.Globalization;
using System.Text;
using Kindling.Artifacts;
using Kindling.Artifacts.Content;
using Kindling.Replication.Nodes;
using Kindling.Replication.Sync;
using Microsoft.Extensions.Logging;

namespace Kindling.Replication.Continuous;

/// <summary>How a backup follows its primary (<c>kindling node serve --replicate-from URL</c>).</summary>
public sealed record ReplicationSettings
{
    /// <summary>Any one URL of the source node (the primary).</summary>
    public required Uri Source { get; init; }

    /// <summary>This node's own registry URL, which the replicator writes to like any client.</summary>
    public required Uri Self { get; init; }

    /// <summary>This node's <c>admin-credentials</c> file, read when the rounds start (the node creates it on its first start).</summary>
    public required string SelfCredentialsFile { get; init; }

    /// <summary>The source's admin credentials: without them nothing is copied back (no reverse sync).</summary>
    public string? SourceCredentials { get; init; }

    /// <summary>CAs trusted for both nodes (this node's own CA, and the primary's when it differs).</summary>
    public NodeTrust Trust { get; init; } = NodeTrust.SystemRoots;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>DATA/replication</c>: where the common base is kept.</summary>
    public required string StateDirectory { get; init; }

    public int Parallel { get; init; } = 4;
}

/// <summary>
/// Keeps a backup in step with its primary: every interval, first copies back to the primary what this node
/// received since the last common state (reverse sync, so nothing pushed during a failover is lost when the
/// primary returns), then copies from the primary what changed there. Its lag and state are reported in
/// <c>/metrics</c> and <c>/healthz</c>; rounds never delete (deletions are propagated only by an explicit
/// <c>kindling sync --delete</c>).
/// </summary>
public sealed class ContinuousReplication(ReplicationSettings settings, ILogger logger, TimeProvider? time = null) : INodeReport, IAsyncDisposable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ReplicationBase _base = ReplicationBase.Load(Path.Combine(settings.StateDirectory, "base.json"));
    private readonly CancellationTokenSource _stop = new();
    private readonly ReplicationState _state = new();
    private ContentDigest? _local;
    private string? _selfCredentials;
    private Task? _loop;

    public string Name => "replication";

    /// <summary>Starts the rounds, reading this node's own content through <paramref name="local"/>.</summary>
    public void Start(ContentDigest local)
    {
        _local = local;
        _selfCredentials = CredentialsFile.Read(settings.SelfCredentialsFile, "admin-credentials");
        _state.Started(_time.GetUtcNow());
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is ReplicationException or HttpRequestException or IOException or UnauthorizedAccessException)
            {
                _state.Failed(_time.GetUtcNow(), e.Message);
                logger.LogWarning("replication from {Source}: round failed: {Error}", settings.Source, e.Message);
            }

            try
            {
                await Task.Delay(settings.Interval, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round: reverse, then forward, then the common base.</summary>
    internal async Task RoundAsync(CancellationToken cancellationToken)
    {
        var local = _local ?? throw new InvalidOperationException("not started");
        var started = _time.GetUtcNow();
        var reversed = new List<SyncChange>();
        if (settings.SourceCredentials is not null)
        {
            var (changed, added) = _base.LocalChanges(local.Export().Entries);
            foreach (var (items, addOnly) in new[] { (changed, false), (added, true) })
            {
                if (items.Count == 0)
                {
                    continue;
                }

                var back = await NodeSync.RunAsync(Options(settings.Self, settings.Source, settings.SourceCredentials) with { Items = items, AddOnly = addOnly }, null, cancellationToken);
                reversed.AddRange(back.Tally.Changes);
                _state.Copied("reverse", back.Tally);
                if (back.Tally.Changes.Count > 0)
                {
                    logger.LogInformation("replication: copied {Count} item(s) received here back to {Source}: {Items}", back.Tally.Changes.Count, settings.Source,
                        string.Join(", ", back.Tally.Changes.Take(10).Select(c => c.Name)));
                }

                if (!back.Succeeded)
                {
                    throw new ReplicationException("reverse sync: " + string.Join("; ", back.Tally.Failures.Select(f => $"{f.Name}: {f.Reason}")));
                }
            }
        }

        var forward = await NodeSync.RunAsync(Options(settings.Source, settings.Self, _selfCredentials!), null, cancellationToken);
        _state.Copied("forward", forward.Tally);
        var (digest, entries) = local.Export();
        var inStep = forward.SourceDigest is not null && digest == forward.SourceDigest && forward.Succeeded;
        if (inStep)
        {
            _base.ReplaceWith(entries);
        }
        else
        {
            _base.Record(reversed.Concat(forward.Tally.Changes));
        }

        _base.Save();
        if (forward.Tally.Changes.Count > 0)
        {
            logger.LogInformation("replication: copied {Count} item(s) from {Source} ({Bytes} bytes)", forward.Tally.Changes.Count, settings.Source, forward.Tally.BytesCopied);
        }

        if (!forward.Succeeded)
        {
            throw new ReplicationException(string.Join("; ", forward.Tally.Failures.Select(f => $"{f.Kind.ToString().ToLowerInvariant()} {f.Name}: {f.Reason}")));
        }

        _state.Succeeded(started, _time.GetUtcNow(), inStep);
    }

    private SyncOptions Options(Uri from, Uri to, string credentials) => new()
    {
        From = from,
        To = to,
        Trust = settings.Trust,
        ToCredentials = credentials,
        Parallel = settings.Parallel,
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }

    public System.Text.Json.Nodes.JsonObject Health()
    {
        var now = _time.GetUtcNow();
        var state = _state.Read();
        return new System.Text.Json.Nodes.JsonObject
        {
            ["status"] = state.Status,
            ["source"] = settings.Source.ToString(),
            ["inStep"] = state.InStep,
            ["lagSeconds"] = Math.Round(state.Lag(now).TotalSeconds, 1),
            ["lastSuccess"] = state.LastSuccess?.ToString("O", CultureInfo.InvariantCulture),
            ["lastAttempt"] = state.LastAttempt?.ToString("O", CultureInfo.InvariantCulture),
            ["lastError"] = state.LastError,
            ["reverse"] = settings.SourceCredentials is null ? "off (no credentials for the source)" : "on",
            ["interval"] = settings.Interval.TotalSeconds,
        };
    }

    public void WriteMetrics(StringBuilder text)
    {
        var now = _time.GetUtcNow();
        var state = _state.Read();
        var source = settings.Source.ToString().Replace("\"", "", StringComparison.Ordinal);
        text.Append("# HELP kindling_replication_lag_seconds Seconds since the start of the last round after which this node held what its source held.\n");
        text.Append("# TYPE kindling_replication_lag_seconds gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_replication_lag_seconds{{source=\"{source}\"}} {state.Lag(now).TotalSeconds:0.###}\n");
        text.Append("# HELP kindling_replication_in_step 1 when the last round ended with this node's content digest equal to its source's.\n");
        text.Append("# TYPE kindling_replication_in_step gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_replication_in_step{{source=\"{source}\"}} {(state.InStep ? 1 : 0)}\n");
        text.Append("# HELP kindling_replication_last_success_timestamp_seconds Unix time of the last round that completed.\n");
        text.Append("# TYPE kindling_replication_last_success_timestamp_seconds gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_replication_last_success_timestamp_seconds{{source=\"{source}\"}} {state.LastSuccess?.ToUnixTimeMilliseconds() / 1000.0 ?? 0:0.###}\n");
        text.Append("# HELP kindling_replication_rounds_total Replication rounds, by result.\n# TYPE kindling_replication_rounds_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_replication_rounds_total{{result=\"ok\"}} {state.RoundsOk}\n");
        text.Append(CultureInfo.InvariantCulture, $"kindling_replication_rounds_total{{result=\"failed\"}} {state.RoundsFailed}\n");
        // A family's samples follow its TYPE line as one group (the exposition format requires it).
        text.Append("# HELP kindling_replication_copied_items_total Tags, chart versions and files copied, by direction.\n# TYPE kindling_replication_copied_items_total counter\n");
        foreach (var (direction, items, _) in state.Copies)
        {
            text.Append(CultureInfo.InvariantCulture, $"kindling_replication_copied_items_total{{direction=\"{direction}\"}} {items}\n");
        }

        text.Append("# HELP kindling_replication_copied_bytes_total Bytes copied, by direction.\n# TYPE kindling_replication_copied_bytes_total counter\n");
        foreach (var (direction, _, bytes) in state.Copies)
        {
            text.Append(CultureInfo.InvariantCulture, $"kindling_replication_copied_bytes_total{{direction=\"{direction}\"}} {bytes}\n");
        }
    }
}
