using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

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
        try
        {
            using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                var parts = entry.Name.TrimStart('.', '/').Split('/');
                if (parts.Length == 2 && parts[1] == "Chart.yaml" && entry.DataStream is { } data && chartYaml is null)
                {
                    if (entry.Length > 1024 * 1024)
                    {
                        throw new ChartException($"{entry.Name} is larger than 1 MiB");
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

        return Parse(chartYaml);
    }

    private static ChartMetadata Parse(string yaml)
    {
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode map
                ? map
                : throw new ChartException("Chart.yaml is not a YAML mapping");
        }
        catch (YamlException e)
        {
            throw new ChartException($"Chart.yaml:{e.Start.Line}: {e.Message}");
        }

        var fields = (Dictionary<string, object?>)ToObject(root)!;
        var name = Scalar(root, "name");
        var version = Scalar(root, "version");
        if (string.IsNullOrEmpty(name) || !IsValidName(name))
        {
            throw new ChartException($"Chart.yaml: name '{name}' is missing or has characters other than letters, digits, '-', '_' and single dots");
        }

        if (string.IsNullOrEmpty(version) || !IsValidVersion(version))
        {
            throw new ChartException($"Chart.yaml: version '{version}' of chart {name} is missing or not SemVer 2 (e.g. 1.2.3)");
        }

        fields.TryAdd("apiVersion", "v1");
        fields["name"] = name;
        fields["version"] = version;
        if (Scalar(root, "appVersion") is { } appVersion)
        {
            fields["appVersion"] = appVersion;
        }

        return new ChartMetadata(name, version, fields);
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>Plain scalars keep their YAML type (bool, number, null) so index.yaml reads back as Chart.yaml did.</summary>
    private static object? TypedScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value;
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain || value is null)
        {
            return value;
        }

        return value switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            "null" or "~" or "" => null,
            _ when long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
            _ when double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
            _ => value,
        };
    }

    private static object? ToObject(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.Where(p => p.Key is YamlScalarNode).ToDictionary(p => ((YamlScalarNode)p.Key).Value ?? "", p => ToObject(p.Value), StringComparer.Ordinal),
        YamlSequenceNode list => list.Children.Select(ToObject).ToList(),
        YamlScalarNode scalar => TypedScalar(scalar),
        _ => null,
    };
}

/// <summary>A chart's name, version and every field of its Chart.yaml (kept for index.yaml).</summary>
public sealed record ChartMetadata(string Name, string Version, IReadOnlyDictionary<string, object?> Fields)
{
    public string FileName => $"{Name}-{Version}.tgz";
}
