using System.Text;

namespace Kindling.Installer.Package;

/// <summary>
/// The package's <c>checksums.sha256</c>, in the format of GNU coreutils' <c>sha256sum</c> (so <c>sha256sum -c</c> checks
/// it too): <c>HEX␠␠PATH</c> per line, paths relative to the package folder with forward slashes.
/// </summary>
internal sealed class ChecksumList
{
    private readonly SortedDictionary<string, string> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Entries => _entries;

    public void Add(string relativePath, string sha256Hex) => _entries[relativePath] = sha256Hex;

    /// <summary>The line a path was listed on (for error messages), or 0.</summary>
    public int LineOf(string relativePath) => _lines.GetValueOrDefault(relativePath);

    /// <summary>Parses the file; malformed lines become problems naming file:line.</summary>
    public static ChecksumList Parse(string path, string displayName, List<PackageProblem> problems)
    {
        var list = new ChecksumList();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            // "HEX  NAME" (text mode) or "HEX *NAME" (binary mode); names that sha256sum escapes start the line with '\'.
            if (line.Length < 67 || line[0] == '\\' || line[64] != ' ' || line[65] is not (' ' or '*')
                || !line[..64].All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
            {
                problems.Add(new PackageProblem($"{displayName}:{number}", "not a sha256sum line (expected 64 lowercase hex digits, two spaces, a path)"));
                continue;
            }

            var name = line[66..];
            if (!IsSafeRelativePath(name))
            {
                problems.Add(new PackageProblem($"{displayName}:{number}", $"'{name}' is not a relative path inside the package"));
                continue;
            }

            if (list._entries.ContainsKey(name))
            {
                problems.Add(new PackageProblem($"{displayName}:{number}", $"'{name}' is listed twice (first on line {list._lines[name]})"));
                continue;
            }

            list._entries[name] = line[..64];
            list._lines[name] = number;
        }

        return list;
    }

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var (name, hex) in _entries)
        {
            text.Append(hex).Append("  ").Append(name).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Relative, forward slashes, no empty, "." or ".." segment, no control characters.</summary>
    public static bool IsSafeRelativePath(string path) =>
        path.Length > 0
        && path[0] != '/'
        && !path.Contains('\\', StringComparison.Ordinal)
        && !path.Any(char.IsControl)
        && path.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..");
}
