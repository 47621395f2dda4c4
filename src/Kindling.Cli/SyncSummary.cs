using System.Text.Json.Nodes;
using Kindling.Artifacts;
using Kindling.Artifacts.Content;
using Kindling.Replication.Sync;

namespace Kindling.Cli;

/// <summary>How <c>kindling sync</c> reports: a summary table, the changes (all of them in a dry run), or JSON.</summary>
internal static class SyncSummary
{
    public static void Print(SyncResult result, SyncOptions options)
    {
        var verb = options.DryRun ? "would copy" : "copied";
        Console.WriteLine($"sync {result.Source} -> {result.Target}{(options.DryRun ? " (dry run: nothing changed)" : "")} in {result.Elapsed.TotalSeconds:0.00} s");
        if (options.DryRun || result.Tally.Changes.Count <= 50)
        {
            foreach (var change in result.Tally.Changes.OrderBy(c => c.Kind).ThenBy(c => c.Name, StringComparer.Ordinal))
            {
                var mark = change.Action switch { SyncAction.Add => "+", SyncAction.Update => "~", _ => "-" };
                var detail = change.Action switch
                {
                    SyncAction.Add => change.To,
                    SyncAction.Update => $"{change.From} -> {change.To}",
                    _ => change.From,
                };
                Console.WriteLine($"  {mark} {Kind(change.Kind),-6} {change.Name} {detail}");
            }
        }

        foreach (var kind in result.Tally.All.Where(k => options.Only.Contains(k.Kind)))
        {
            var unchanged = kind.PartsUnchanged > 0 ? $"; {kind.PartsUnchanged} {Parts(kind.Kind)} unchanged (content digest)" : "";
            Console.WriteLine($"{Kind(kind.Kind)}: {kind.Items} {verb}, {kind.ItemsUpToDate} up to date, {kind.ItemsDeleted} deleted, {kind.ItemsFailed} failed; "
                + $"{kind.ObjectsCopied} objects {verb} ({Size(kind.BytesCopied)}), {kind.ObjectsMounted} mounted, {kind.ObjectsPresent} already there{unchanged}");
        }

        if (result.SourceDigest is not null && !options.DryRun)
        {
            Console.WriteLine(result.InStep
                ? $"in step: the target's content digest equals the source's ({result.SourceDigest})"
                : $"not in step: source {result.SourceDigest}, target {result.TargetDigestAfter}");
        }
    }

    /// <summary>The JSON report (built as nodes, not by reflection: the CLI is compiled ahead of time).</summary>
    public static string Json(SyncResult result, SyncOptions options) => JsonTree.ToText(new JsonObject
    {
        ["source"] = result.Source.Origin.ToString(),
        ["target"] = result.Target.Origin.ToString(),
        ["dryRun"] = options.DryRun,
        ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 3),
        ["succeeded"] = result.Succeeded,
        ["inStep"] = result.InStep,
        ["sourceDigest"] = result.SourceDigest,
        ["targetDigest"] = result.TargetDigestAfter,
        ["kinds"] = new JsonObject(result.Tally.All.Where(k => options.Only.Contains(k.Kind)).Select(k => KeyValuePair.Create(Kind(k.Kind), (JsonNode?)new JsonObject
        {
            ["copied"] = k.Items,
            ["upToDate"] = k.ItemsUpToDate,
            ["deleted"] = k.ItemsDeleted,
            ["failed"] = k.ItemsFailed,
            ["objectsCopied"] = k.ObjectsCopied,
            ["bytesCopied"] = k.BytesCopied,
            ["objectsMounted"] = k.ObjectsMounted,
            ["objectsPresent"] = k.ObjectsPresent,
            ["partsUnchanged"] = k.PartsUnchanged,
        }))),
        ["changes"] = new JsonArray([.. result.Tally.Changes.OrderBy(c => c.Kind).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => new JsonObject
            {
                ["kind"] = Kind(c.Kind), ["action"] = c.Action.ToString().ToLowerInvariant(), ["name"] = c.Name, ["from"] = c.From, ["to"] = c.To,
            })]),
        ["failures"] = new JsonArray([.. result.Tally.Failures.Select(f => new JsonObject { ["kind"] = Kind(f.Kind), ["name"] = f.Name, ["reason"] = f.Reason })]),
    });

    private static string Kind(ContentKind kind) => kind.Name();

    private static string Parts(ContentKind kind) => kind.Parts();

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / 1048576.0:0.0} MiB",
        _ => $"{bytes / 1073741824.0:0.00} GiB",
    };
}

/// <summary>A one-line progress display on a terminal's stderr (nothing when stderr is redirected).</summary>
internal sealed class SyncProgressLine : IDisposable
{
    private readonly SyncTally _tally;
    private readonly Timer? _timer;
    private bool _drawn;

    private SyncProgressLine(SyncTally tally, bool enabled)
    {
        _tally = tally;
        if (enabled)
        {
            _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        }
    }

    public static SyncProgressLine Start(SyncTally tally) => new(tally, !Console.IsErrorRedirected);

    private void Draw()
    {
        var parts = _tally.All.Where(k => k.ItemsPlanned + k.ItemsUpToDate + k.ItemsFailed > 0)
            .Select(k => $"{k.Kind.ToString().ToLowerInvariant()} {k.Items + k.ItemsFailed}/{k.ItemsPlanned}");
        lock (this)
        {
            Console.Error.Write($"\r  {string.Join("  ", parts)}  {SyncSummary.Size(_tally.BytesCopied)} copied   ");
            _drawn = true;
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        lock (this)
        {
            if (_drawn)
            {
                Console.Error.Write("\r" + new string(' ', 78) + "\r");
                _drawn = false;
            }
        }
    }
}
