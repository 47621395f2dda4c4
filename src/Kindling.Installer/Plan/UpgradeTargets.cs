namespace Kindling.Installer.Plan;

/// <summary>
/// DCE's <c>-u/--upgrade</c> targets. Kindling implements <c>tinder</c> (the bootstrap node: images, files, charts
/// from the package at fullPackagePath); the others upgrade the global cluster and are refused by name.
/// </summary>
public static class UpgradeTargets
{
    public const string Tinder = "tinder";

    private static readonly Dictionary<string, string> GlobalClusterTargets = new(StringComparer.Ordinal)
    {
        ["cluster"] = "the global cluster's Kubernetes",
        ["infrastructure"] = "the global cluster's infrastructure components",
        ["hwameistor"] = "HwameiStor storage on the global cluster",
        ["middleware"] = "the global cluster's middleware",
        ["gproduct"] = "DCE products (gproducts) on the global cluster",
        ["addon"] = "addon packages on the global cluster",
    };

    /// <summary>Parses a comma-separated list; true with the targets, or false with a message naming the refused one.</summary>
    public static bool TryParse(string? text, out IReadOnlyList<string> targets, out string error)
    {
        targets = [];
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "-u: no target given; Kindling upgrades the bootstrap node with -u tinder";
            return false;
        }

        var result = new List<string>();
        foreach (var raw in text.Split(','))
        {
            var target = raw.Trim();
            if (target == Tinder)
            {
                if (!result.Contains(target))
                {
                    result.Add(target);
                }

                continue;
            }

            if (GlobalClusterTargets.TryGetValue(target.ToLowerInvariant(), out var what))
            {
                error = $"-u {text}: upgrading {target} ({what}) is not handled by Kindling, which upgrades only the bootstrap node (-u tinder); use DCE's installer for {target}";
                return false;
            }

            error = $"-u {text}: \"{target}\" is not a DCE upgrade target; expected tinder (handled by Kindling) or one of {string.Join(", ", GlobalClusterTargets.Keys)} (handled by DCE's installer)";
            return false;
        }

        targets = result;
        return true;
    }
}
