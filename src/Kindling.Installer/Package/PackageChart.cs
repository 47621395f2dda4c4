using System.Formats.Tar;
using System.Text.RegularExpressions;

namespace Kindling.Installer.Package;

/// <summary>A Helm chart archive of the package (<c>charts/NAME-VERSION.tgz</c>) and what its Chart.yaml says.</summary>
/// <param name="RelativePath">e.g. <c>charts/kindling-sample-0.1.0.tgz</c>.</param>
/// <param name="FullPath">The archive on disk.</param>
public sealed record PackageChart(string RelativePath, string FullPath, string Name, string Version);

/// <summary>
/// Reads a chart archive the way Helm v3 loads one ("Charts" in the Helm docs: a gzip'd tar whose single top folder
/// holds Chart.yaml with apiVersion v1/v2, a name without path characters and a SemVer 2 version).
/// </summary>
internal static partial class ChartArchive
{
    private const int MaxChartYaml = 1 << 20;

    /// <summary>Reads and checks the archive from <paramref name="stream"/>; null name/version with an error when invalid.</summary>
    public static (string? Name, string? Version, string? Error) Read(Stream stream)
    {
        string? top = null;
        string? yaml = null;
        string? layoutError = null;
        var archiveError = TarGzArchive.Walk(stream, entry =>
        {
            var name = TarGzArchive.CleanName(entry.Name);
            var slash = name.IndexOf('/');
            var first = slash < 0 ? name : name[..slash];
            if (first.Length == 0 || name.Contains("..", StringComparison.Ordinal))
            {
                layoutError ??= $"entry '{entry.Name}' is not a relative path inside the chart folder";
                return;
            }

            top ??= first;
            if (first != top)
            {
                layoutError ??= $"entries in two top folders ('{top}' and '{first}'); a chart archive has one";
                return;
            }

            if (name == $"{top}/Chart.yaml" && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
            {
                if (entry.Length > MaxChartYaml)
                {
                    layoutError ??= $"{name} is larger than 1 MiB";
                    return;
                }

                using var reader = new StreamReader(data, leaveOpen: true);
                yaml = reader.ReadToEnd();
            }
        });
        if (archiveError is not null)
        {
            return (null, null, archiveError);
        }

        if (layoutError is not null)
        {
            return (null, null, layoutError);
        }

        if (yaml is null)
        {
            return (null, null, top is null ? "empty archive: no chart inside" : $"no {top}/Chart.yaml: not a Helm chart");
        }

        return Parse(yaml, $"{top}/Chart.yaml");
    }

    /// <summary>Checks Chart.yaml's text; errors name the file and line.</summary>
    public static (string? Name, string? Version, string? Error) Parse(string yaml, string where)
    {
        // Read as the node reads it on upload: bounded depth and alias expansion, so a deep or alias-bomb Chart.yaml in a
        // package is refused here with the node's own reason rather than crashing the check.
        IReadOnlyDictionary<string, string> top;
        try
        {
            var (root, raw) = Kindling.Artifacts.Charts.BoundedYaml.Read(yaml, where, Kindling.Artifacts.Charts.YamlLimits.Chart);
            if (root is not Dictionary<string, object?>)
            {
                return (null, null, $"{where}: not a YAML mapping (expected apiVersion, name, version)");
            }

            top = raw;
        }
        catch (Kindling.Artifacts.Charts.YamlLimitException e)
        {
            return (null, null, e.Message);
        }

        string? Scalar(string key) => top.GetValueOrDefault(key);

        var apiVersion = Scalar("apiVersion");
        var name = Scalar("name");
        var version = Scalar("version");
        if (apiVersion is not ("v1" or "v2"))
        {
            return (null, null, $"{where}: apiVersion is {(apiVersion is null ? "missing" : $"'{apiVersion}'")}; Helm 3 needs v2 (or v1)");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            return (null, null, $"{where}: name is missing");
        }

        if (!ChartName().IsMatch(name))
        {
            return (null, null, $"{where}: name '{name}' has characters a chart name cannot have (letters, digits, '.', '_', '-' only)");
        }

        if (string.IsNullOrWhiteSpace(version))
        {
            return (null, null, $"{where}: version is missing");
        }

        if (!SemVer().IsMatch(version))
        {
            return (null, null, $"{where}: version '{version}' is not a SemVer 2 version (like 1.2.3)");
        }

        return (name, version, null);
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]*\\z")]
    private static partial Regex ChartName();

    [GeneratedRegex(@"^v?(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?\z")]
    private static partial Regex SemVer();
}
