using System.Text;
using Kindling.Dns.Records;

namespace Kindling.Dns.Zones;

/// <summary>
/// A pull parser for BIND master files (RFC 1035 §5, RFC 2308 §4 <c>$TTL</c>): call <see cref="Next"/> until it returns
/// null. It reads one entry at a time, so a multi-gigabyte file is never held in memory. Supports <c>$ORIGIN</c>,
/// <c>$TTL</c>, <c>$INCLUDE</c> (only inside <see cref="IncludeRoot"/>), <c>@</c>, relative names, owner/TTL/class
/// carried from the previous record, TTL units, <c>IN</c> before or after the TTL, and RFC 3597 generic RDATA.
/// Errors read <c>file:line:column: what is wrong</c>.
/// </summary>
public sealed class ZoneFileReader : IDisposable
{
    private readonly Stack<Frame> _frames = new();
    private readonly List<string> _warnings = [];
    private uint? _defaultTtl;
    private uint? _lastTtl;
    private DomainName? _lastOwner;

    /// <param name="path">The zone file.</param>
    /// <param name="origin">The zone's name (the initial <c>$ORIGIN</c>).</param>
    /// <param name="includeRoot">The folder <c>$INCLUDE</c> may read from (default: the zone file's folder).</param>
    public ZoneFileReader(string path, DomainName origin, string? includeRoot = null)
    {
        IncludeRoot = Path.GetFullPath(includeRoot ?? Path.GetDirectoryName(Path.GetFullPath(path))!);
        Zone = origin;
        _frames.Push(Open(path, origin, path));
    }

    /// <summary>Reads zone text from a string (tests, fuzzing); <c>$INCLUDE</c> is refused.</summary>
    public ZoneFileReader(TextReader text, string name, DomainName origin)
    {
        IncludeRoot = null;
        Zone = origin;
        _frames.Push(new Frame(new ZoneTokenizer(text, name), text, origin));
    }

    public string? IncludeRoot { get; }

    public DomainName Zone { get; }

    /// <summary>Things BIND would warn about (TTL adjustments, missing $TTL); the zone still loads.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>The next record, or null at the end of the file.</summary>
    public ZoneEntry? Next()
    {
        while (_frames.Count > 0)
        {
            var frame = _frames.Peek();
            var line = frame.Tokenizer.NextLine();
            if (line is null)
            {
                frame.Reader.Dispose();
                _frames.Pop();
                continue;
            }

            try
            {
                var entry = Interpret(frame, line.Value);
                if (entry is not null)
                {
                    return entry;
                }
            }
            catch (ZoneSyntaxException e)
            {
                throw new ZoneFileException(frame.Tokenizer.File, e.Line, e.Column, e.What);
            }
        }

        return null;
    }

    /// <summary>Reads every record (convenient for small zones and tests).</summary>
    public IEnumerable<ZoneEntry> ReadAll()
    {
        while (Next() is { } entry)
        {
            yield return entry;
        }
    }

    private ZoneEntry? Interpret(Frame frame, ZoneLine line)
    {
        var tokens = line.Tokens;
        var first = tokens[0];
        if (!line.StartsWithBlank && !first.Quoted && first.Text.StartsWith('$'))
        {
            Directive(frame, tokens);
            return null;
        }

        var owner = ReadOwner(frame, line, out var index);
        ReadTtlAndClass(tokens, ref index, out var ttl, out var cls);
        var typeToken = ReadType(tokens, ref index, cls, out var type);
        var rdata = RecordData.Parse(type, new RdataText(tokens.GetRange(index, tokens.Count - index), frame.Origin, typeToken.Line, typeToken.Column));
        var effectiveTtl = EffectiveTtl(frame, line, ttl, rdata, typeToken);
        _lastOwner = owner;
        return new ZoneEntry(new ResourceRecord(owner, type, RecordClass.IN, effectiveTtl, rdata), frame.Tokenizer.File, line.Line);
    }

    /// <summary>The owner: the entry's first token, or the previous owner when the entry starts with a blank.</summary>
    private DomainName ReadOwner(Frame frame, ZoneLine line, out int index)
    {
        var first = line.Tokens[0];
        if (line.StartsWithBlank)
        {
            index = 0;
            return _lastOwner ?? throw RdataText.Error("no owner name: the first record of a file must name its owner", first);
        }

        index = 1;
        return ParseName(first.Text, frame.Origin, first, "owner name");
    }

    /// <summary>The optional TTL and class after the owner, in either order (RFC 1035 §5.1).</summary>
    private static void ReadTtlAndClass(List<ZoneToken> tokens, ref int index, out uint? ttl, out RecordClass? cls)
    {
        ttl = null;
        cls = null;
        for (var k = 0; k < 2 && index < tokens.Count; k++)
        {
            var t = tokens[index];
            if (ttl is null && t.Text.Length > 0 && char.IsAsciiDigit(t.Text[0]) && Ttl.TryParse(t.Text, out var value))
            {
                ttl = value;
                index++;
            }
            else if (cls is null && RecordTypeText.TryParseClass(t.Text, out var c))
            {
                cls = c;
                index++;
            }
        }
    }

    /// <summary>Reads the record type (one a zone may hold) and checks that the class, if given, is IN; returns its token.</summary>
    private static ZoneToken ReadType(List<ZoneToken> tokens, ref int index, RecordClass? cls, out RecordType type)
    {
        if (index >= tokens.Count)
        {
            throw RdataText.Error("missing record type", tokens[^1]);
        }

        var typeToken = tokens[index++];
        if (!RecordTypeText.TryParse(typeToken.Text, out type) || type is RecordType.OPT or RecordType.TSIG or RecordType.ANY or RecordType.AXFR or RecordType.IXFR)
        {
            throw RdataText.Error($"unknown or unsupported record type '{typeToken.Text}' (write TYPEnnn with '\\# length hex' for others)", typeToken);
        }

        if (cls is not null and not RecordClass.IN)
        {
            throw RdataText.Error($"class {RecordTypeText.ToText(cls.Value)} does not match the zone's class IN", typeToken);
        }

        return typeToken;
    }

    /// <summary>
    /// The record's TTL as BIND chooses it: the explicit one (remembered for later records), else $TTL, else the last
    /// explicit TTL, else an SOA's MINTTL (with a warning); values above 2^31-1 become 0 (RFC 2181 §8).
    /// </summary>
    private uint EffectiveTtl(Frame frame, ZoneLine line, uint? ttl, RecordData rdata, ZoneToken typeToken)
    {
        if (ttl is { } explicitTtl)
        {
            if (explicitTtl > int.MaxValue)
            {
                _warnings.Add($"{frame.Tokenizer.File}:{line.Line}: TTL {explicitTtl} above 2^31-1 treated as 0 (RFC 2181 §8)");
                explicitTtl = 0;
            }

            _lastTtl = explicitTtl;
            return explicitTtl;
        }

        if (_defaultTtl is { } d)
        {
            return d;
        }

        if (_lastTtl is { } last)
        {
            return last;
        }

        if (rdata is SoaRecord soa)
        {
            _warnings.Add($"{frame.Tokenizer.File}:{line.Line}: no TTL specified; using SOA MINTTL ({soa.Minimum}) instead");
            _lastTtl = soa.Minimum;
            return soa.Minimum;
        }

        throw RdataText.Error("no TTL specified and no $TTL or earlier TTL to use", typeToken);
    }

    private void Directive(Frame frame, List<ZoneToken> tokens)
    {
        var directive = tokens[0];
        switch (directive.Text.ToUpperInvariant())
        {
            case "$TTL":
                Expect(tokens, 2, directive, "$TTL needs exactly one value");
                if (!Ttl.TryParse(tokens[1].Text, out var ttl))
                {
                    throw RdataText.Error($"bad $TTL '{tokens[1].Text}'", tokens[1]);
                }

                _defaultTtl = ttl;
                _lastTtl = ttl;
                break;
            case "$ORIGIN":
                Expect(tokens, 2, directive, "$ORIGIN needs exactly one name");
                frame.Origin = ParseName(tokens[1].Text, frame.Origin, tokens[1], "$ORIGIN");
                break;
            case "$INCLUDE":
                if (tokens.Count is < 2 or > 3)
                {
                    throw RdataText.Error("$INCLUDE takes a file name and an optional origin", directive);
                }

                var origin = tokens.Count == 3 ? ParseName(tokens[2].Text, frame.Origin, tokens[2], "$INCLUDE origin") : frame.Origin;
                var path = ResolveInclude(tokens[1]);
                if (_frames.Count > 16)
                {
                    throw RdataText.Error("$INCLUDE nested more than 16 deep (a loop?)", directive);
                }

                _frames.Push(Open(path, origin, tokens[1].Text));
                break;
            case "$GENERATE":
                throw RdataText.Error("$GENERATE is not supported yet; expand the records in the file", directive);
            default:
                throw RdataText.Error($"unknown directive '{directive.Text}'", directive);
        }
    }

    private string ResolveInclude(ZoneToken token)
    {
        if (IncludeRoot is null)
        {
            throw RdataText.Error("$INCLUDE is not allowed here", token);
        }

        var full = Path.GetFullPath(Path.Combine(IncludeRoot, token.Text));
        var root = IncludeRoot.EndsWith(Path.DirectorySeparatorChar) ? IncludeRoot : IncludeRoot + Path.DirectorySeparatorChar;
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            throw RdataText.Error($"$INCLUDE '{token.Text}' is outside the configuration folder {IncludeRoot}", token);
        }

        if (!File.Exists(full))
        {
            throw RdataText.Error($"$INCLUDE file '{full}' does not exist", token);
        }

        return full;
    }

    private static void Expect(List<ZoneToken> tokens, int count, ZoneToken at, string message)
    {
        if (tokens.Count != count)
        {
            throw RdataText.Error(message, at);
        }
    }

    private static DomainName ParseName(string text, DomainName origin, ZoneToken token, string what) =>
        DomainName.TryParse(text, origin, out var name, out var error) ? name : throw RdataText.Error($"bad {what} '{text}': {error}", token);

    private static Frame Open(string path, DomainName origin, string shownAs)
    {
        // Latin-1 maps every octet to one char, so names and TXT data keep their exact bytes.
        var reader = new StreamReader(path, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        return new Frame(new ZoneTokenizer(reader, shownAs), reader, origin);
    }

    public void Dispose()
    {
        foreach (var frame in _frames)
        {
            frame.Reader.Dispose();
        }

        _frames.Clear();
    }

    private sealed class Frame(ZoneTokenizer tokenizer, TextReader reader, DomainName origin)
    {
        public ZoneTokenizer Tokenizer { get; } = tokenizer;

        public TextReader Reader { get; } = reader;

        public DomainName Origin { get; set; } = origin;
    }
}
