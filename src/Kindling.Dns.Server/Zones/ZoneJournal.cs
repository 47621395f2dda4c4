using System.Globalization;
using System.Net;
using System.Text;
using Kindling.Dns.Server.Overlay;
using Kindling.Dns.Zones;

namespace Kindling.Dns.Server.Zones;

/// <summary>One change of a zone: the serial it moved from and to, why, the records removed and added, and the
/// overlay entries set (<c>null</c> entry: the name's override was removed).</summary>
internal sealed record JournalEntry(uint From, uint To, DateTimeOffset Time, string Reason)
{
    public List<ResourceRecord> Deleted { get; init; } = [];

    public List<ResourceRecord> Added { get; init; } = [];

    public List<(DomainName Name, OverlayEntry? Entry)> Overlay { get; init; } = [];
}

/// <summary>
/// The change log of a zone, kept beside its zone file as <c>FILE.kjnl</c>, in RFC 1035 text so an operator can read
/// it. Each entry is appended and fsynced before the change is answered or served, so a restart replays the zone file
/// plus the journal and comes back with the same serial, records and failover state:
/// <code>
/// begin 2024010101 2024010102 2026-11-25T21:00:00.0000000+00:00 update key k1 from 127.0.0.1
/// - www.example.test. 300 IN A 192.0.2.10
/// + www.example.test. 300 IN A 192.0.2.20
/// = www.example.test. 5 IN A 192.0.2.30        (overlay: the name answers these addresses)
/// = other.example.test. -                       (overlay removed)
/// end
/// </code>
/// A last entry without <c>end</c> (a crash while writing) is ignored.
/// </summary>
internal sealed class ZoneJournal(string path)
{
    public string Path { get; } = path;

    public static string PathFor(string zoneFile) => zoneFile + ".kjnl";

    public bool Exists => File.Exists(Path);

    public void Append(JournalEntry entry)
    {
        var text = FormatEntry(entry, withHeader: !File.Exists(Path));
        var created = !File.Exists(Path);
        WriteSynced(Encoding.UTF8.GetBytes(text), entry);
        if (created)
        {
            // An append-only file: fsync covers its bytes, the folder's fsync its name the first time.
            DurableFile.SyncDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        }
    }

    /// <summary>The entry as journal text: <c>begin</c>, its <c>-</c>, <c>+</c> and <c>=</c> lines, <c>end</c>.</summary>
    private static string FormatEntry(JournalEntry entry, bool withHeader)
    {
        var sb = new StringBuilder();
        if (withHeader)
        {
            sb.Append("; Kindling zone journal: changes since the zone file was loaded (RFC 1035 text, see ZoneJournal.cs)\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"begin {entry.From} {entry.To} {entry.Time:O} {entry.Reason.ReplaceLineEndings(" ")}\n");
        foreach (var r in entry.Deleted)
        {
            sb.Append("- ").Append(r).Append('\n');
        }

        foreach (var r in entry.Added)
        {
            sb.Append("+ ").Append(r).Append('\n');
        }

        foreach (var (name, overlay) in entry.Overlay)
        {
            AppendOverlayLines(sb, name, overlay);
        }

        sb.Append("end\n");
        return sb.ToString();
    }

    private static void AppendOverlayLines(StringBuilder sb, DomainName name, OverlayEntry? overlay)
    {
        if (overlay is null || overlay.Addresses.Count == 0)
        {
            sb.Append("= ").Append(name).Append(overlay is null ? " -" : $" {overlay.Ttl} none").Append('\n');
            return;
        }

        foreach (var address in overlay.Addresses)
        {
            var type = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "A" : "AAAA";
            sb.Append(CultureInfo.InvariantCulture, $"= {name} {overlay.Ttl} IN {type} {address}\n");
        }
    }

    /// <summary>Appends the bytes and fsyncs them; on failure cuts the partial entry off and says why.</summary>
    private void WriteSynced(byte[] bytes, JournalEntry entry)
    {
        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var before = stream.Length;
        try
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            // A full disk (ENOSPC) can leave part of the entry written: cut it off (truncating needs no space), so the
            // next append does not continue a broken line and a restart reads every complete entry.
            try
            {
                stream.SetLength(before);
                stream.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
            }

            throw new IOException($"{Path}: cannot append the change {entry.From} -> {entry.To} ({e.Message}){(e.HResult is 28 or 122 ? "; no space left on device: free space on that file system" : "")}; the journal keeps its earlier entries", e)
            {
                HResult = e.HResult,
            };
        }
    }

    /// <summary>Reads complete entries; a malformed journal raises <see cref="DnsFormatException"/> naming the line.</summary>
    public List<JournalEntry> Read(DomainName origin)
    {
        var entries = new List<JournalEntry>();
        if (!File.Exists(Path))
        {
            return entries;
        }

        JournalEntry? current = null;
        Dictionary<DomainName, OverlayEntry?>? overlay = null;
        var lineNumber = 0;
        foreach (var line in File.ReadLines(Path))
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith(';'))
            {
                continue;
            }

            try
            {
                if (line.StartsWith("begin ", StringComparison.Ordinal))
                {
                    current = ParseBegin(line);
                    overlay = [];
                }
                else if (line == "end" && current is not null && overlay is not null)
                {
                    current.Overlay.AddRange(overlay.Select(o => (o.Key, o.Value)));
                    entries.Add(current);
                    current = null;
                }
                else if (current is not null && line.Length > 2 && line[1] == ' ' && line[0] is '-' or '+')
                {
                    (line[0] == '-' ? current.Deleted : current.Added).Add(ParseRecord(line[2..], origin));
                }
                else if (current is not null && line.StartsWith("= ", StringComparison.Ordinal))
                {
                    ApplyOverlayLine(overlay!, line);
                }
                else
                {
                    throw new FormatException("unexpected line");
                }
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException or DnsFormatException)
            {
                throw new DnsFormatException($"{Path}:{lineNumber}: bad journal line ({e.Message}); move the journal away to start from the zone file alone");
            }
        }

        return entries;
    }

    /// <summary>Moves the journal aside (it no longer matches the zone file) and says where.</summary>
    public string Discard(TimeProvider time)
    {
        var target = $"{Path}.discarded-{time.GetUtcNow():yyyyMMddHHmmss}";
        File.Move(Path, target, overwrite: true);
        DurableFile.SyncDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        return target;
    }

    /// <summary>Parses <c>begin FROM TO TIME REASON</c> into an empty entry.</summary>
    private static JournalEntry ParseBegin(string line)
    {
        var parts = line.Split(' ', 5);
        return new JournalEntry(uint.Parse(parts[1], CultureInfo.InvariantCulture), uint.Parse(parts[2], CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(parts[3], CultureInfo.InvariantCulture), parts.Length > 4 ? parts[4] : "");
    }

    /// <summary>Applies one <c>= NAME ...</c> line to the entry's overlay: removed (<c>-</c>), no addresses
    /// (<c>none</c>) or one more address.</summary>
    private static void ApplyOverlayLine(Dictionary<DomainName, OverlayEntry?> overlay, string line)
    {
        var words = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var name = DomainName.Parse(words[0]);
        if (words.Length == 2 && words[1] == "-")
        {
            overlay[name] = null;
        }
        else if (words.Length == 3 && words[2] == "none")
        {
            overlay[name] = new OverlayEntry(name, uint.Parse(words[1], CultureInfo.InvariantCulture), []);
        }
        else
        {
            var address = IPAddress.Parse(words[4]);
            var ttl = uint.Parse(words[1], CultureInfo.InvariantCulture);
            var previous = overlay.GetValueOrDefault(name);
            overlay[name] = new OverlayEntry(name, ttl, [.. previous?.Addresses ?? [], address]);
        }
    }

    private static ResourceRecord ParseRecord(string text, DomainName origin)
    {
        using var reader = new ZoneFileReader(new StringReader(text), "journal", origin);
        return reader.Next()?.Record ?? throw new FormatException("empty record");
    }
}
