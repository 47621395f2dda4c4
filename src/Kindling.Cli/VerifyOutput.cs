using System.Text.Json.Nodes;
using Kindling.Artifacts;
using Kindling.Replication.Verify;

namespace Kindling.Cli;

/// <summary>How <c>kindling verify</c> reports: one row per check and target, then the content comparison; or JSON.</summary>
internal static class VerifyOutput
{
    public static void Print(VerifyReport report)
    {
        Console.WriteLine($"{"TARGET",-36} {"CHECK",-8} {"RESULT",-6} DETAIL");
        foreach (var target in report.Targets)
        {
            foreach (var check in target.Checks)
            {
                Console.WriteLine($"{target.Name,-36} {check.Check,-8} {Status(check.Status),-6} {check.Detail}");
            }
        }

        Console.WriteLine($"{"all targets",-36} {"content",-8} {Status(report.Content.Status),-6} {report.Content.Detail}");
        foreach (var difference in report.Content.Differences)
        {
            Console.WriteLine($"  differs: {difference}");
        }

        Console.WriteLine(report.Ok ? "verify: every check passed" : "verify: FAILED (see the rows marked FAIL)");
    }

    /// <summary>The JSON report (built as nodes, not by reflection: the CLI is compiled ahead of time).</summary>
    public static string Json(VerifyReport report) => JsonTree.ToText(new JsonObject
    {
        ["ok"] = report.Ok,
        ["targets"] = new JsonArray([.. report.Targets.Select(t => new JsonObject
        {
            ["name"] = t.Name,
            ["url"] = t.Url,
            ["address"] = t.Address,
            ["ok"] = t.Ok,
            ["checks"] = new JsonArray([.. t.Checks.Select(c => new JsonObject
            {
                ["check"] = c.Check, ["status"] = Status(c.Status).ToLowerInvariant(), ["detail"] = c.Detail,
            })]),
        })]),
        ["content"] = new JsonObject
        {
            ["status"] = Status(report.Content.Status).ToLowerInvariant(),
            ["detail"] = report.Content.Detail,
            ["digests"] = Map(report.Content.Digests),
            ["differences"] = new JsonArray([.. report.Content.Differences.Select(d => new JsonObject
            {
                ["service"] = d.Service, ["part"] = d.Part, ["entry"] = d.Entry, ["values"] = Map(d.Values),
            })]),
        },
    });

    private static JsonObject Map(IReadOnlyDictionary<string, string?> values) =>
        new(values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value)));

    private static string Status(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Skipped => "skip",
        _ => "FAIL",
    };
}
