namespace Kindling.Replication.Verify;

/// <summary>Passed, failed, or not applicable (nothing of that kind to fetch).</summary>
public enum CheckStatus
{
    Ok,
    Failed,
    Skipped,
}

/// <summary>One check on one target: <c>tls</c>, <c>file</c>, <c>image</c>, <c>charts</c>, <c>content</c>.</summary>
public sealed record CheckResult(string Check, CheckStatus Status, string Detail);

/// <summary>The domain or one node, as reached, and its checks.</summary>
public sealed record TargetReport(string Name, string Url, string? Address, IReadOnlyList<CheckResult> Checks)
{
    public bool Ok => Checks.All(c => c.Status != CheckStatus.Failed);
}

/// <summary>One entry that is not the same everywhere: its value on each target (null when absent there).</summary>
public sealed record ContentDifference(string Service, string Part, string? Entry, IReadOnlyDictionary<string, string?> Values)
{
    public override string ToString()
    {
        var where = Entry is null ? $"{Service} {Part}" : $"{Service} {Part} {Entry}";
        return $"{where}: " + string.Join("; ", Values.Select(v => $"{v.Key} {v.Value ?? "absent"}"));
    }
}

/// <summary>Whether every target serves the same content, and if not, what differs.</summary>
public sealed record ContentComparison(CheckStatus Status, string Detail, IReadOnlyDictionary<string, string?> Digests, IReadOnlyList<ContentDifference> Differences);

public sealed record VerifyReport(IReadOnlyList<TargetReport> Targets, ContentComparison Content)
{
    public bool Ok => Targets.All(t => t.Ok) && Content.Status != CheckStatus.Failed;
}
