using System.Net;

namespace Kindling.Dns.Config;

/// <summary>Who is asking: the source address and, when the request was TSIG-signed and verified, the key's name.</summary>
public readonly record struct Requester(IPAddress Address, DomainName? Key = null);

/// <summary>
/// A BIND address match list (ARM "Address Match Lists"): elements are addresses, prefixes, <c>key NAME</c>, ACL
/// names (<c>any</c>, <c>none</c>, <c>localhost</c>, <c>localnets</c> or a declared <c>acl</c>) and nested lists, each
/// optionally negated with <c>!</c>. Evaluated as BIND's <c>dns_acl_match</c> does: the elements are tried in order and
/// the first that matches decides, allowing unless it is negated; <c>none</c> matches everyone negatively (so
/// <c>!none</c> allows everyone). An indirect element (a nested list, a named ACL, <c>localhost</c>,
/// <c>localnets</c>) matches only when its own list <em>allows</em> the requester: a list that denies, or does not match,
/// counts as no match and evaluation goes on. So negation never turns a denial into an allow:
/// <c>acl outsiders { !127.0.0.0/8; any; }; allow-update { !outsiders; key k; };</c> does not let 127.0.0.2 in
/// unsigned. No element matching means not allowed.
/// </summary>
public sealed class AddressMatchList
{
    private const int MaxDepth = 16;

    private readonly List<Element> _elements;

    private AddressMatchList(List<Element> elements) => _elements = elements;

    public static AddressMatchList None { get; } = new([]);

    public static AddressMatchList Any { get; } = new([new Element(false, ElementKind.Any, null, null, null)]);

    public bool IsEmpty => _elements.Count == 0;

    /// <summary>Key names this list mentions (to check that each is declared).</summary>
    public IEnumerable<DomainName> KeyNames => _elements.SelectMany(e => e.Kind == ElementKind.Key ? [e.Key!.Value] : e.Nested?.KeyNames ?? []);

    /// <summary>Names of declared ACLs this list refers to (to check that each is declared).</summary>
    public IEnumerable<string> AclNames => _elements.SelectMany(e => e.Kind == ElementKind.Acl ? [e.AclName!] : e.Nested?.AclNames ?? []);

    /// <summary>Whether the list allows the requester, with the ACLs, keys and interfaces of <paramref name="conf"/>.</summary>
    public bool Allows(Requester requester, NamedConf conf) => Allows(requester, conf.Acls, conf.Interfaces);

    /// <summary>
    /// Whether the list allows the requester (no match means not allowed). <paramref name="host"/> gives
    /// <c>localhost</c> and <c>localnets</c>; without it they stand for the loopback interface only.
    /// </summary>
    public bool Allows(Requester requester, IReadOnlyDictionary<string, AddressMatchList>? acls = null, HostInterfaces? host = null) =>
        Evaluate(requester, acls, host) == AclResult.Allow;

    /// <summary>The list's verdict for the requester: the first matching element's, or <see cref="AclResult.NoMatch"/>.</summary>
    public AclResult Evaluate(Requester requester, IReadOnlyDictionary<string, AddressMatchList>? acls = null, HostInterfaces? host = null) =>
        Match(requester with { Address = Normalize(requester.Address) }, acls, host ?? HostInterfaces.LoopbackOnly, 0);

    private AclResult Match(Requester requester, IReadOnlyDictionary<string, AddressMatchList>? acls, HostInterfaces host, int depth)
    {
        if (depth > MaxDepth)
        {
            return AclResult.NoMatch; // named.conf loading refuses ACL loops; this only bounds a pathological nesting
        }

        foreach (var e in _elements)
        {
            var matched = e.Kind switch
            {
                ElementKind.Any or ElementKind.None => true,
                ElementKind.Prefix => e.Network!.Value.Contains(requester.Address),
                ElementKind.Key => requester.Key is { } k && k == e.Key!.Value,
                ElementKind.Localhost => host.Addresses.Any(n => n.Contains(requester.Address)),
                ElementKind.Localnets => host.Networks.Any(n => n.Contains(requester.Address)),
                // An indirect list matches only when it allows: its denial is "no match" here (BIND's dns_aclelement_match).
                ElementKind.Acl => acls is not null && acls.TryGetValue(e.AclName!, out var acl) && acl.Match(requester, acls, host, depth + 1) == AclResult.Allow,
                ElementKind.Nested => e.Nested!.Match(requester, acls, host, depth + 1) == AclResult.Allow,
                _ => false,
            };
            if (matched)
            {
                // "none" is BIND's "!any": it denies, and "!none" allows.
                var negative = e.Kind == ElementKind.None ? !e.Negated : e.Negated;
                return negative ? AclResult.Deny : AclResult.Allow;
            }
        }

        return AclResult.NoMatch;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Builds a list from the statements of a <c>{ ... }</c> block.</summary>
    public static AddressMatchList Parse(IReadOnlyList<ConfStatement> block)
    {
        var elements = new List<Element>();
        foreach (var s in block)
        {
            elements.Add(ParseElement(s));
        }

        return new AddressMatchList(elements);
    }

    /// <summary>One element: <c>[!]</c> followed by a nested list, <c>key NAME</c>, or a single word.</summary>
    private static Element ParseElement(ConfStatement s)
    {
        var words = s.Words.Select(w => w.Text).ToList();
        var negated = TakeNegation(words);
        if (s.Block is not null)
        {
            if (words.Count != 0)
            {
                throw s.Error($"unexpected '{string.Join(' ', words)}' before a nested address list");
            }

            return new Element(negated, ElementKind.Nested, null, null, null) { Nested = Parse(s.Block) };
        }

        if (words.Count == 2 && words[0].Equals("key", StringComparison.OrdinalIgnoreCase))
        {
            if (!DomainName.TryParse(words[1], DomainName.Root, out var key, out var error))
            {
                throw s.Error($"bad key name '{words[1]}': {error}");
            }

            return new Element(negated, ElementKind.Key, null, key, null);
        }

        if (words.Count != 1)
        {
            throw s.Error($"bad address match element '{string.Join(' ', s.Words)}': expected an address, prefix, 'key NAME' or an ACL name");
        }

        return ParseWord(s, negated, words[0]);
    }

    /// <summary>Removes a leading <c>!</c> (written alone or stuck to the first word); true when there was one.</summary>
    private static bool TakeNegation(List<string> words)
    {
        if (words.Count == 0 || !words[0].StartsWith('!'))
        {
            return false;
        }

        words[0] = words[0][1..];
        if (words[0].Length == 0)
        {
            words.RemoveAt(0);
        }

        return true;
    }

    /// <summary>A single-word element: a keyword (any, none, localhost, localnets), an address or prefix, or an ACL name.</summary>
    private static Element ParseWord(ConfStatement s, bool negated, string word)
    {
        var kind = word.ToLowerInvariant() switch
        {
            "any" => ElementKind.Any,
            "none" => ElementKind.None,
            "localhost" => ElementKind.Localhost,
            "localnets" => ElementKind.Localnets,
            _ => ElementKind.Prefix,
        };
        if (kind != ElementKind.Prefix)
        {
            return new Element(negated, kind, null, null, null);
        }

        if (TryParsePrefix(word, out var network))
        {
            return new Element(negated, ElementKind.Prefix, network, null, null);
        }

        if (word.Contains('/', StringComparison.Ordinal) || word.Contains(':', StringComparison.Ordinal) || char.IsAsciiDigit(word[0]))
        {
            throw s.Error($"bad address or prefix '{word}' (host bits set beyond the prefix length?)");
        }

        return new Element(negated, ElementKind.Acl, null, null, word);
    }

    private static bool TryParsePrefix(string word, out IPNetwork network)
    {
        network = default;
        var slash = word.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? word : word[..slash];
        var isV6 = addressText.Contains(':', StringComparison.Ordinal);
        if (!isV6)
        {
            // BIND accepts "10/8" and "192.168/16": missing octets are zero.
            var parts = addressText.Split('.');
            if (parts.Length is 0 or > 4 || !parts.All(p => byte.TryParse(p, out _)))
            {
                return false;
            }

            if (slash < 0 && parts.Length != 4)
            {
                return false;
            }

            addressText = string.Join('.', parts.Concat(Enumerable.Repeat("0", 4 - parts.Length)));
        }

        if (!IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        var max = isV6 ? 128 : 32;
        var bits = max;
        if (slash >= 0 && (!int.TryParse(word[(slash + 1)..], out bits) || bits < 0 || bits > max))
        {
            return false;
        }

        try
        {
            network = new IPNetwork(address, bits);
            return true;
        }
        catch (ArgumentException)
        {
            return false; // host bits set beyond the prefix, as BIND also refuses
        }
    }

    public override string ToString() => $"{{ {string.Join(' ', _elements.Select(e => e + ";"))} }}";

    private enum ElementKind
    {
        Any,
        None,
        Localhost,
        Localnets,
        Prefix,
        Key,
        Acl,
        Nested,
    }

    private sealed record Element(bool Negated, ElementKind Kind, IPNetwork? Network, DomainName? Key, string? AclName)
    {
        public AddressMatchList? Nested { get; init; }

        public override string ToString() => (Negated ? "!" : "") + Kind switch
        {
            ElementKind.Prefix => Network.ToString(),
            ElementKind.Key => $"key {Key}",
            ElementKind.Acl => AclName,
            ElementKind.Nested => Nested!.ToString(),
            _ => Kind.ToString().ToLowerInvariant(),
        };
    }
}
