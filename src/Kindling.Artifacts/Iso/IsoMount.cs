using System.Text;

namespace Kindling.Artifacts.Iso;

/// <summary>
/// Where an OS ISO appears in bucket <c>kubean</c>: <c>&lt;distro&gt;-iso/&lt;version&gt;/os/&lt;arch&gt;/</c>, as DCE lays
/// it out (e.g. <c>centos-iso/7/os/x86_64/</c>). The rule, in order: values given explicitly (command line or
/// config) win; else the ISO's <c>.treeinfo</c> (<c>[general]</c> or <c>[release]</c> family/name and version,
/// <c>[general]</c> or <c>[tree]</c> arch); else <c>.discinfo</c> (line 2 "Name Version", line 3 arch). The distro is
/// the first word of the name in lowercase ("CentOS Linux" → centos, "Rocky Linux" → rocky); the version is its
/// major number ("7.9.2009" → 7), as DCE's <c>releasever</c> paths use.
/// </summary>
public sealed record IsoMount(string Distro, string Version, string Arch, IsoImage Image)
{
    public string Prefix => $"{Distro}-iso/{Version}/os/{Arch}";

    public static IsoMount Describe(IsoImage image, string? distro = null, string? version = null, string? arch = null)
    {
        var (treeName, treeVersion, treeArch) = FromTreeInfo(image.ReadSmallFile(".treeinfo"));
        var (discName, discVersion, discArch) = FromDiscInfo(image.ReadSmallFile(".discinfo"));
        distro ??= DistroOf(treeName ?? discName);
        version ??= Major(treeVersion ?? discVersion);
        arch ??= treeArch ?? discArch;
        if (distro is null || version is null || arch is null)
        {
            throw new IsoFormatException($"{image.Path}: cannot tell the distro, version and arch (no usable .treeinfo or .discinfo); give them explicitly, e.g. --iso {image.Path}=centos/7/x86_64");
        }

        foreach (var part in new[] { distro, version, arch })
        {
            if (part.Length == 0 || !part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || part is "." or "..")
            {
                throw new IsoFormatException($"{image.Path}: '{part}' is not usable in a path (distro/version/arch)");
            }
        }

        return new IsoMount(distro.ToLowerInvariant(), version, arch, image);
    }

    private static string? DistroOf(string? name) => name?.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToLowerInvariant();

    private static string? Major(string? version) => version?.Trim().Split('.')[0] is { Length: > 0 } major ? major : null;

    private static (string? Name, string? Version, string? Arch) FromTreeInfo(byte[]? content)
    {
        if (content is null)
        {
            return default;
        }

        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        Dictionary<string, string>? current = null;
        foreach (var raw in Encoding.UTF8.GetString(content).Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                current = sections[line[1..^1]] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }
            else if (current is not null && line.Contains('=', StringComparison.Ordinal))
            {
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                current[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        string? Get(string section, string key) => sections.TryGetValue(section, out var s) && s.TryGetValue(key, out var v) ? v : null;
        return (Get("general", "family") ?? Get("release", "name"), Get("general", "version") ?? Get("release", "version"), Get("general", "arch") ?? Get("tree", "arch"));
    }

    private static (string? Name, string? Version, string? Arch) FromDiscInfo(byte[]? content)
    {
        if (content is null)
        {
            return default;
        }

        var lines = Encoding.UTF8.GetString(content).Split('\n').Select(l => l.Trim()).ToArray();
        if (lines.Length < 3)
        {
            return default;
        }

        var words = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (words.FirstOrDefault(), words.Length > 1 ? words[^1] : null, lines[2].Length > 0 ? lines[2] : null);
    }
}
