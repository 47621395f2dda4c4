using System.Net;
using CsCheck;
using Kindling.Dns.Config;

namespace Kindling.Dns.Tests.Config;

/// <summary>
/// Random address match lists (nested lists, named ACLs, negation, keys, any/none, localhost/localnets) evaluated by
/// <see cref="AddressMatchList"/> and by an independent model of BIND's own structures: each list compiled as
/// <c>cfg_acl_fromconfig</c> does (prefixes into one table searched for the earliest-added containing prefix, nested
/// lists without negatives merged into the parent, the others kept as elements that match only on a positive inner
/// match) and matched as <c>dns_acl_match</c> does. The verdicts must agree for every requester.
/// </summary>
public sealed class AddressMatchListReferenceTests
{
    private static readonly string[] Prefixes = ["127.0.0.0/8", "127.0.0.2", "127.0.0.3", "127.0.0.0/30", "10.0.0.0/8", "192.0.2.0/24"];
    private static readonly IPAddress[] Addresses = [.. new[] { "127.0.0.1", "127.0.0.2", "127.0.0.3", "10.1.2.3", "192.0.2.1", "198.51.100.7" }.Select(IPAddress.Parse)];
    private static readonly string?[] Keys = [null, "k1.", "k2."];
    private static readonly HostInterfaces Host = new([new IPNetwork(IPAddress.Loopback, 32)], [new IPNetwork(IPAddress.Parse("127.0.0.0"), 8)]);

    [Fact]
    public void RandomLists_SameVerdictAsBindsModel() => Gen.Int.Sample(seed =>
    {
        var random = new Random(seed);
        var acls = new List<Node[]>();
        for (var i = 0; i < 3; i++)
        {
            acls.Add(RandomList(random, acls.Count, 0));
        }

        var list = RandomList(random, acls.Count, 0);
        var text = "key k1 { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0\"; };\nkey k2 { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0\"; };\n"
            + string.Concat(acls.Select((a, i) => $"acl a{i} {{ {Text(a)} }};\n")) + $"options {{ allow-transfer {{ {Text(list)} }}; }};\n";
        var conf = NamedConf.FromText(text, "/x/named.conf");
        var compiled = acls.Select(_ => (Model?)null).ToList();
        for (var i = 0; i < acls.Count; i++)
        {
            compiled[i] = Model.Compile(acls[i], compiled!);
        }

        var reference = Model.Compile(list, compiled!);
        foreach (var address in Addresses)
        {
            foreach (var key in Keys)
            {
                var requester = new Requester(address, key is null ? null : DomainName.Parse(key));
                var expected = Math.Sign(reference.Match(address, key)) switch { 1 => AclResult.Allow, -1 => AclResult.Deny, _ => AclResult.NoMatch };
                var actual = conf.AllowTransfer.Evaluate(requester, conf.Acls, Host);
                Assert.True(expected == actual, $"{text}\nfrom {address} key {key ?? "-"}: BIND's model {expected}, Kindling {actual}");
            }
        }
    }, iter: 3000);

    private abstract record Node(bool Negated);

    private sealed record Prefix(bool Negated, string Text) : Node(Negated);

    private sealed record Word(bool Negated, string Text) : Node(Negated); // any, none, localhost, localnets

    private sealed record Key(bool Negated, string Name) : Node(Negated);

    private sealed record Nested(bool Negated, Node[] Items) : Node(Negated);

    private sealed record Acl(bool Negated, int Index) : Node(Negated);

    private static Node[] RandomList(Random random, int acls, int depth) =>
        [.. Enumerable.Range(0, random.Next(1, 5)).Select(_ => RandomNode(random, acls, depth))];

    private static Node RandomNode(Random random, int acls, int depth)
    {
        var negated = random.Next(2) == 0;
        return random.Next(depth < 2 ? 9 : 7) switch
        {
            0 or 1 => new Prefix(negated, Prefixes[random.Next(Prefixes.Length)]),
            2 => new Word(negated, new[] { "any", "none", "localhost", "localnets" }[random.Next(4)]),
            3 => new Key(negated, random.Next(2) == 0 ? "k1" : "k2"),
            4 or 5 when acls > 0 => new Acl(negated, random.Next(acls)),
            4 or 5 or 6 => new Prefix(negated, Prefixes[random.Next(Prefixes.Length)]),
            _ => new Nested(negated, RandomList(random, acls, depth + 1)),
        };
    }

    private static string Text(Node[] items) => string.Concat(items.Select(n => Text(n) + "; "));

    private static string Text(Node node) => (node.Negated ? "!" : "") + node switch
    {
        Prefix p => p.Text,
        Word w => w.Text,
        Key k => $"key {k.Name}",
        Nested n => $"{{ {Text(n.Items)}}}",
        Acl a => $"a{a.Index}",
        _ => throw new InvalidOperationException(),
    };

    /// <summary>BIND's compiled ACL: an IP table (prefix, positive, node number) and elements (key, nested, localhost/localnets).</summary>
    private sealed class Model
    {
        private readonly List<(IPNetwork Network, bool Positive, int Number)> _table = [];
        private readonly List<(bool Negative, int Number, string? Key, Model? Inner)> _elements = [];
        private int _count;
        private bool _hasNegatives;

        private static readonly Model Localhost = FromNetworks(Host.Addresses);
        private static readonly Model Localnets = FromNetworks(Host.Networks);

        private static Model FromNetworks(IEnumerable<IPNetwork> networks)
        {
            var model = new Model();
            foreach (var n in networks)
            {
                model.AddPrefix(n, true);
            }

            return model;
        }

        public static Model Compile(Node[] items, IReadOnlyList<Model> acls)
        {
            var model = new Model();
            foreach (var node in items)
            {
                var neg = node.Negated;
                if (neg)
                {
                    model._hasNegatives = true;
                }

                switch (node)
                {
                    case Prefix p:
                        model.AddPrefix(IPNetwork.Parse(p.Text.Contains('/', StringComparison.Ordinal) ? p.Text : p.Text + "/32"), !neg);
                        break;
                    case Word { Text: "any" }:
                        model.AddPrefix(new IPNetwork(IPAddress.Any, 0), !neg);
                        break;
                    case Word { Text: "none" }:
                        model.AddPrefix(new IPNetwork(IPAddress.Any, 0), neg);
                        model._hasNegatives |= !neg;
                        break;
                    case Word w:
                        model._elements.Add((neg, ++model._count, null, w.Text == "localhost" ? Localhost : Localnets));
                        break;
                    case Key k:
                        model._elements.Add((neg, ++model._count, k.Name + ".", null));
                        break;
                    case Nested n:
                        model.AddInner(Compile(n.Items, acls), neg);
                        break;
                    case Acl a:
                        model.AddInner(acls[a.Index], neg);
                        break;
                }
            }

            return model;
        }

        private void AddPrefix(IPNetwork network, bool positive)
        {
            _count++;
            if (!_table.Any(e => e.Network == network))
            {
                _table.Add((network, positive, _count)); // a prefix already in the table keeps its first entry
            }
        }

        // A list with negatives stays one element; without, its entries join this table and list (dns_acl_merge), the
        // positive ones negated when the list is.
        private void AddInner(Model inner, bool negated)
        {
            if (inner._hasNegatives)
            {
                _elements.Add((negated, ++_count, null, inner));
                return;
            }

            var offset = _count;
            foreach (var e in inner._elements)
            {
                _elements.Add((negated || e.Negative, e.Number + offset, e.Key, e.Inner));
            }

            foreach (var (network, positive, number) in inner._table)
            {
                if (!_table.Any(e => e.Network == network))
                {
                    _table.Add((network, positive && !negated, number + offset));
                }
            }

            _count += inner._count;
        }

        /// <summary>dns_acl_match: positive node number for an allowing match, negative for a denying one, 0 for none.</summary>
        public int Match(IPAddress address, string? key)
        {
            var match = 0;
            var matchNumber = -1;
            foreach (var (network, positive, number) in _table.Where(e => e.Network.Contains(address)).OrderBy(e => e.Number).Take(1))
            {
                matchNumber = number;
                match = positive ? number : -number;
            }

            foreach (var e in _elements.OrderBy(e => e.Number))
            {
                if (matchNumber != -1 && matchNumber < e.Number)
                {
                    break;
                }

                var matched = e.Inner is { } inner ? inner.Match(address, key) > 0 : key == e.Key;
                if (matched)
                {
                    match = e.Negative ? -e.Number : e.Number;
                    break;
                }
            }

            return match;
        }
    }
}
