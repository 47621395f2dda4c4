using System.Net;
using System.Text;

namespace Kindling.Installer.Hosts;

/// <summary>
/// A hosts file (hosts(5)) with one block managed by Kindling. Every line outside the block is kept byte for
/// byte (line endings, comments, spacing); the block uses the file's own line ending. Writes are atomic.
/// </summary>
internal sealed class HostsFile
{
    public const string BeginMarker = "# BEGIN kindling: bootstrap node domain name (managed by kindling cluster-create; do not edit)";
    public const string EndMarker = "# END kindling";

    private readonly byte[] _original;
    private readonly List<Line> _lines;

    private HostsFile(string path, byte[] content)
    {
        Path = path;
        _original = content;
        _lines = SplitLines(content);
    }

    public string Path { get; }

    /// <summary>The line ending new lines get: CRLF when the file already uses it, otherwise LF.</summary>
    public string NewLine => _lines.Any(l => l.Ending == "\r\n") ? "\r\n" : "\n";

    public static HostsFile Read(string path) =>
        new(path, File.Exists(path) ? File.ReadAllBytes(path) : []);

    /// <summary>The entries of Kindling's block, as (address, names).</summary>
    public IReadOnlyList<(IPAddress Address, string[] Names)> ManagedEntries() =>
        BlockRange() is { } range ? _lines.Skip(range.Start + 1).Take(range.End - range.Start - 1).Select(l => ParseEntry(l.Text)).OfType<(IPAddress, string[])>().ToList() : [];

    /// <summary>Entries outside Kindling's block that name <paramref name="name"/>, with their 1-based line numbers.</summary>
    public IReadOnlyList<(int Line, IPAddress Address)> UnmanagedEntriesFor(string name)
    {
        var range = BlockRange();
        var result = new List<(int, IPAddress)>();
        for (var i = 0; i < _lines.Count; i++)
        {
            if (range is { } r && i >= r.Start && i <= r.End)
            {
                continue;
            }

            if (ParseEntry(_lines[i].Text) is var (address, names) && names.Contains(name.TrimEnd('.'), StringComparer.OrdinalIgnoreCase))
            {
                result.Add((i + 1, address));
            }
        }

        return result;
    }

    /// <summary>The file's bytes with Kindling's block set to exactly these entries (no block when empty).</summary>
    public byte[] WithManagedEntries(IReadOnlyList<(IPAddress Address, string Name)> entries)
    {
        var nl = NewLine;
        var block = new StringBuilder();
        if (entries.Count > 0)
        {
            block.Append(BeginMarker).Append(nl);
            foreach (var (address, name) in entries)
            {
                block.Append(address).Append(' ').Append(name.TrimEnd('.')).Append(nl);
            }

            block.Append(EndMarker).Append(nl);
        }

        var blockBytes = Encoding.UTF8.GetBytes(block.ToString());
        using var output = new MemoryStream();
        if (BlockRange() is { } range)
        {
            var start = _lines[range.Start].Offset;
            var endLine = _lines[range.End];
            var end = endLine.Offset + endLine.Length;
            output.Write(_original, 0, start);
            output.Write(blockBytes);
            output.Write(_original, end, _original.Length - end);
        }
        else
        {
            output.Write(_original);
            if (_original.Length > 0 && _original[^1] != (byte)'\n' && blockBytes.Length > 0)
            {
                output.Write(Encoding.ASCII.GetBytes(nl));
            }

            output.Write(blockBytes);
        }

        return output.ToArray();
    }

    /// <summary>Sets the block; returns false (and writes nothing) when the file already says exactly that.</summary>
    public bool SetManagedEntries(IReadOnlyList<(IPAddress Address, string Name)> entries)
    {
        var updated = WithManagedEntries(entries);
        if (updated.AsSpan().SequenceEqual(_original))
        {
            return false;
        }

        var mode = File.Exists(Path) && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(Path) : (UnixFileMode)0b110_100_100;
        try
        {
            DurableFile.WriteAllBytes(Path, updated, mode);
        }
        catch (IOException)
        {
            // /etc/hosts is often a bind mount (containers), where rename fails with EBUSY: write in place instead.
            File.WriteAllBytes(Path, updated);
        }

        return true;
    }

    private (int Start, int End)? BlockRange()
    {
        var start = _lines.FindIndex(l => l.Text.TrimEnd() == BeginMarker);
        if (start < 0)
        {
            return null;
        }

        var end = _lines.FindIndex(start + 1, l => l.Text.TrimEnd() == EndMarker);
        return end < 0 ? null : (start, end);
    }

    private static (IPAddress, string[])? ParseEntry(string text)
    {
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        var content = hash >= 0 ? text[..hash] : text;
        var fields = content.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 && IPAddress.TryParse(fields[0], out var address) ? (address, fields[1..].Select(f => f.TrimEnd('.')).ToArray()) : null;
    }

    private static List<Line> SplitLines(byte[] content)
    {
        var lines = new List<Line>();
        var start = 0;
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] == (byte)'\n')
            {
                var crlf = i > start && content[i - 1] == (byte)'\r';
                var textEnd = crlf ? i - 1 : i;
                lines.Add(new Line(start, i + 1 - start, Encoding.UTF8.GetString(content, start, textEnd - start), crlf ? "\r\n" : "\n"));
                start = i + 1;
            }
        }

        if (start < content.Length)
        {
            lines.Add(new Line(start, content.Length - start, Encoding.UTF8.GetString(content, start, content.Length - start), ""));
        }

        return lines;
    }

    private sealed record Line(int Offset, int Length, string Text, string Ending);
}
