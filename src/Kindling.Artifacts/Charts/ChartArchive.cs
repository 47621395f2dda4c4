using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Kindling.Artifacts.Charts;

/// <summary>A chart archive refused on upload; the message says why.</summary>
public sealed class ChartException(string message) : Exception(message);

/// <summary>
/// A Helm chart package (<c>NAME-VERSION.tgz</c>, Helm v3 "Charts" documentation): a gzip tar whose top folder
/// holds <c>Chart.yaml</c>. Reading it checks the archive, and that name and version are safe as file and URL
/// names (no path characters) and the version is SemVer 2.
/// </summary>
public static partial class ChartArchive
{
    public const long MaxBytes = 64L * 1024 * 1024;

    /// <summary>The largest Chart.yaml read (helm's own charts are a few hundred bytes).</summary>
    public const long MaxChartYamlBytes = 1024 * 1024;

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_-]*(?:\\.[a-zA-Z0-9_-]+)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^v?[0-9]+(?:\\.[0-9]+){0,2}(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    public static bool IsValidName(string name) => name.Length is > 0 and <= 200 && NamePattern().IsMatch(name);

    public static bool IsValidVersion(string version) => version.Length is > 0 and <= 100 && VersionPattern().IsMatch(version);

    /// <summary>Reads <c>Chart.yaml</c> from the archive's top folder; throws <see cref="ChartException"/> with the reason.</summary>
    public static ChartMetadata Read(byte[] archive)
    {
        if (archive.Length == 0)
        {
            throw new ChartException("the chart archive is empty");
        }

        string? chartYaml = null;
        var chartYamlName = "Chart.yaml";
        try
        {
            using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                var parts = entry.Name.TrimStart('.', '/').Split('/');
                if (parts.Length == 2 && parts[1] == "Chart.yaml" && entry.DataStream is { } data && chartYaml is null)
                {
                    chartYamlName = entry.Name.TrimStart('.', '/');
                    if (entry.Length > MaxChartYamlBytes)
                    {
                        throw new ChartException($"{chartYamlName} is {entry.Length:N0} bytes, over the {MaxChartYamlBytes / 1024 / 1024} MiB limit for Chart.yaml");
                    }

                    using var reader = new StreamReader(data, Encoding.UTF8);
                    chartYaml = reader.ReadToEnd();
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new ChartException($"not a gzip-compressed tar archive ({e.Message}); package the chart with 'helm package'");
        }

        if (chartYaml is null)
        {
            throw new ChartException("the archive has no <chart>/Chart.yaml at its top level; package the chart with 'helm package'");
        }

        return Parse(chartYaml, chartYamlName);
    }

    private static ChartMetadata Parse(string yaml, string file)
    {
        Dictionary<string, object?> fields;
        IReadOnlyDictionary<string, string> raw;
        try
        {
            var (root, top) = BoundedYaml.Read(yaml, file, YamlLimits.Chart);
            fields = root as Dictionary<string, object?> ?? throw new ChartException($"{file} is not a YAML mapping");
            raw = top;
        }
        catch (YamlLimitException e)
        {
            throw new ChartException(e.Message);
        }

        var name = raw.GetValueOrDefault("name");
        var version = raw.GetValueOrDefault("version");
        if (string.IsNullOrEmpty(name) || !IsValidName(name))
        {
            throw new ChartException($"{file}: name '{name}' is missing or has characters other than letters, digits, '-', '_' and single dots");
        }

        if (string.IsNullOrEmpty(version) || !IsValidVersion(version))
        {
            throw new ChartException($"{file}: version '{version}' of chart {name} is missing or not SemVer 2 (e.g. 1.2.3)");
        }

        fields.TryAdd("apiVersion", "v1");
        fields["name"] = name;
        fields["version"] = version;
        if (raw.GetValueOrDefault("appVersion") is { } appVersion)
        {
            fields["appVersion"] = appVersion;
        }

        return new ChartMetadata(name, version, fields);
    }
}

/// <summary>A chart's name, version and every field of its Chart.yaml (kept for index.yaml).</summary>
public sealed record ChartMetadata(string Name, string Version, IReadOnlyDictionary<string, object?> Fields)
{
    public string FileName => $"{Name}-{Version}.tgz";
}
