using System.Globalization;
using System.Net;
using Kindling.Dns.Tsig;

namespace Kindling.Dns.Config;

/// <summary>When a primary sends NOTIFY (RFC 1996). Kindling notifies only <c>also-notify</c> targets, never the
/// addresses of a zone's NS records, so <c>yes</c> behaves as <c>explicit</c> (documented in docs/rfcs.md).</summary>
public enum NotifyMode
{
    Yes,
    No,
    Explicit,
    PrimaryOnly,
}

public enum ZoneKind
{
    Primary,
    Secondary,
    Other,
}

/// <summary>A server to send NOTIFY to or fetch from: address, port, optional TSIG key.</summary>
public sealed record RemoteServer(IPAddress Address, int Port, DomainName? Key)
{
    public IPEndPoint EndPoint => new(Address, Port);
}

/// <summary>One <c>listen-on [port N] { list; }</c>: the literal addresses of the list, or <c>any</c>.</summary>
public sealed record ListenOn(int Port, IReadOnlyList<IPAddress> Addresses);

/// <summary>A <c>zone</c> statement.</summary>
public sealed record ZoneConfig(DomainName Name, ZoneKind Kind, string? File, string Source)
{
    public AddressMatchList? AllowUpdate { get; init; }

    public AddressMatchList? AllowTransfer { get; init; }

    public IReadOnlyList<RemoteServer>? AlsoNotify { get; init; }

    public NotifyMode? Notify { get; init; }

    public IReadOnlyList<RemoteServer> Primaries { get; init; } = [];

    /// <summary>Who may send an UPDATE to this secondary zone for forwarding to its primary (BIND's <c>allow-update-forwarding</c>).</summary>
    public AddressMatchList? AllowUpdateForwarding { get; init; }

    /// <summary>Who may NOTIFY this secondary zone besides its primaries (BIND's <c>allow-notify</c>).</summary>
    public AddressMatchList? AllowNotify { get; init; }

    /// <summary>The zone's <c>max-records-in-zone</c>: most records the zone may hold after a load, transfer or UPDATE (0: no cap).</summary>
    public int? MaxRecords { get; init; }
}

/// <summary>
/// The parts of BIND's named.conf an authoritative server acts on: <c>options</c> (directory, listen-on,
/// listen-on-v6, allow-transfer, also-notify, notify, allow-update, max-records-in-zone), <c>zone</c>, <c>key</c>, <c>acl</c>, <c>include</c>.
/// Everything else is accepted and listed once in <see cref="Ignored"/>. Relative zone file paths resolve against
/// <c>directory</c> when set, otherwise against the folder of named.conf.
/// </summary>
public sealed class NamedConf
{
    public required string Path { get; init; }

    public required string Directory { get; init; }

    public List<ListenOn> ListenOn { get; } = [];

    public List<ListenOn> ListenOnV6 { get; } = [];

    public AddressMatchList AllowTransfer { get; set; } = AddressMatchList.None;

    public AddressMatchList AllowUpdate { get; set; } = AddressMatchList.None;

    /// <summary>The options' <c>allow-update-forwarding</c> (default none, as BIND).</summary>
    public AddressMatchList AllowUpdateForwarding { get; set; } = AddressMatchList.None;

    /// <summary>The options' <c>allow-notify</c>: who besides a zone's primaries may NOTIFY a secondary zone (default none).</summary>
    public AddressMatchList AllowNotify { get; set; } = AddressMatchList.None;

    public IReadOnlyList<RemoteServer> AlsoNotify { get; set; } = [];

    public NotifyMode Notify { get; set; } = NotifyMode.Yes;

    /// <summary><c>tcp-clients</c>: open DNS-over-TCP connections per listening address (null: Kindling's default).</summary>
    public int? TcpClients { get; set; }

    /// <summary><c>tcp-idle-timeout</c> (BIND counts tenths of a second): how long a TCP connection may wait for a query.</summary>
    public TimeSpan? TcpIdleTimeout { get; set; }

    /// <summary>
    /// The options' <c>max-records-in-zone</c> (BIND's name; 0: no cap). Kindling applies it where BIND does: a zone file
    /// over it is not loaded, a transfer of a secondary zone is stopped once it brings more (or its increments leave the
    /// zone over it), an UPDATE whose result exceeds it is refused; a zone's own setting wins; null: up to
    /// <see cref="DefaultMaxRecordsInZone"/> records, so a broken or hostile primary cannot make the secondary allocate
    /// without bound (BIND's default is no cap).
    /// </summary>
    public int? MaxRecordsInZone { get; set; }

    /// <summary>The cap on a zone's records when named.conf sets none: generous for real zones, bounded for memory.</summary>
    public const int DefaultMaxRecordsInZone = 5_000_000;

    /// <summary>The cap on records a transfer of <paramref name="zone"/> may bring (<see cref="int.MaxValue"/>: none).</summary>
    public int MaxRecordsFor(ZoneConfig zone) => (zone.MaxRecords ?? MaxRecordsInZone ?? DefaultMaxRecordsInZone) is var cap and > 0 ? cap : int.MaxValue;

    public List<ZoneConfig> Zones { get; } = [];

    public Dictionary<DomainName, TsigKey> Keys { get; } = [];

    public Dictionary<string, AddressMatchList> Acls { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>This host's interfaces (BIND's <c>localhost</c> and <c>localnets</c>), read at the first use after loading.</summary>
    public HostInterfaces Interfaces => _interfaces.Value;

    private readonly Lazy<HostInterfaces> _interfaces = new(HostInterfaces.Scan);

    /// <summary>Statements read but not acted on, one line each: <c>file:line: statement</c>.</summary>
    public List<string> Ignored { get; } = [];

    public static NamedConf Load(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!System.IO.File.Exists(full))
        {
            throw new NamedConfException(full, 0, "file does not exist (give the path of BIND's named.conf)");
        }

        return Interpret(NamedConfSyntax.ParseFile(full), full);
    }

    public static NamedConf FromText(string text, string path) => Interpret(NamedConfSyntax.ParseText(text, path), System.IO.Path.GetFullPath(path));

    private static NamedConf Interpret(List<ConfStatement> statements, string path)
    {
        var options = statements.FirstOrDefault(s => s.Keyword == "options");
        var directory = options?.Block?.FirstOrDefault(s => s.Keyword == "directory") is { } d
            ? ResolvePath(d, System.IO.Path.GetDirectoryName(path)!, Single(d))
            : System.IO.Path.GetDirectoryName(path)!;
        var conf = new NamedConf { Path = path, Directory = directory };
        foreach (var s in statements.Where(s => s.Keyword == "key"))
        {
            conf.ReadKey(s);
        }

        foreach (var s in statements.Where(s => s.Keyword == "acl"))
        {
            if (s.Words.Count != 2 || s.Block is null)
            {
                throw s.Error("acl needs a name and a list: acl \"name\" { ... };");
            }

            conf.Acls[s.Words[1].Text] = AddressMatchList.Parse(s.Block);
        }

        foreach (var s in statements.Where(s => s.Keyword == "acl"))
        {
            conf.CheckAclNames(s, conf.Acls[s.Words[1].Text], [s.Words[1].Text]);
        }

        foreach (var s in statements)
        {
            switch (s.Keyword)
            {
                case "options":
                    conf.ReadOptions(s);
                    break;
                case "zone":
                    conf.Zones.Add(conf.ReadZone(s));
                    break;
                case "key" or "acl":
                    break;
                case "view":
                    throw s.Error("views are not supported by Kindling: declare the zones at top level");
                default:
                    conf.Ignored.Add($"{s.File}:{s.Line}: {s.Keyword}");
                    break;
            }
        }

        var duplicate = conf.Zones.GroupBy(z => z.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new NamedConfException(path, 0, $"zone '{duplicate.Key}' is declared twice ({string.Join(", ", duplicate.Select(z => z.Source))})");
        }

        return conf;
    }

    private void ReadKey(ConfStatement s)
    {
        if (s.Words.Count != 2 || s.Block is null)
        {
            throw s.Error("key needs a name and a block: key \"name\" { algorithm hmac-sha256; secret \"...\"; };");
        }

        var algorithm = s.Block.FirstOrDefault(b => b.Keyword == "algorithm") ?? throw s.Error($"key {s.Words[1]} has no algorithm");
        var secret = s.Block.FirstOrDefault(b => b.Keyword == "secret") ?? throw s.Error($"key {s.Words[1]} has no secret");
        try
        {
            var key = TsigKey.FromBase64(s.Words[1].Text, Single(algorithm), Single(secret));
            Keys[key.Name] = key;
        }
        catch (DnsFormatException e)
        {
            throw s.Error(e.Message);
        }
    }

    private void ReadOptions(ConfStatement options)
    {
        foreach (var s in options.Block ?? [])
        {
            switch (s.Keyword)
            {
                case "directory":
                    break;
                case "listen-on":
                    ListenOn.Add(ReadListen(s, v6: false));
                    break;
                case "listen-on-v6":
                    ListenOnV6.Add(ReadListen(s, v6: true));
                    break;
                case "allow-transfer":
                    AllowTransfer = List(s);
                    break;
                case "allow-update":
                    AllowUpdate = List(s);
                    break;
                case "allow-update-forwarding":
                    AllowUpdateForwarding = List(s);
                    break;
                case "allow-notify":
                    AllowNotify = List(s);
                    break;
                case "also-notify":
                    AlsoNotify = ReadServers(s);
                    break;
                case "notify":
                    Notify = ReadNotify(s);
                    break;
                case "tcp-clients":
                    TcpClients = ReadInteger(s, 1, 1_000_000, "connections");
                    break;
                case "tcp-idle-timeout":
                    TcpIdleTimeout = TimeSpan.FromMilliseconds(100 * ReadInteger(s, 1, 1200, "tenths of a second, as BIND counts it"));
                    break;
                case "max-records-in-zone":
                    MaxRecordsInZone = ReadInteger(s, 0, int.MaxValue, "records a zone may hold; 0 for no cap");
                    break;
                default:
                    Ignored.Add($"{s.File}:{s.Line}: options {s.Keyword}");
                    break;
            }
        }
    }

    private ZoneConfig ReadZone(ConfStatement s)
    {
        if (s.Words.Count is < 2 or > 3 || s.Block is null)
        {
            throw s.Error("zone needs a name and a block: zone \"example.com\" [IN] { type primary; file \"...\"; };");
        }

        if (s.Words.Count == 3 && !s.Words[2].Text.Equals("IN", StringComparison.OrdinalIgnoreCase))
        {
            throw s.Error($"zone {s.Words[1]}: class {s.Words[2]} is not supported (only IN)");
        }

        if (!DomainName.TryParse(s.Words[1].Text, DomainName.Root, out var name, out var error))
        {
            throw s.Error($"bad zone name '{s.Words[1]}': {error}");
        }

        var zone = new ZoneConfig(name, ZoneKind.Other, null, $"{s.File}:{s.Line}");
        foreach (var b in s.Block)
        {
            zone = ReadZoneOption(zone, b);
        }

        CheckZone(s, zone);
        return zone;
    }

    /// <summary>Applies one statement of a zone's block; statements Kindling does not act on go to <see cref="Ignored"/>.</summary>
    private ZoneConfig ReadZoneOption(ZoneConfig zone, ConfStatement b)
    {
        switch (b.Keyword)
        {
            case "type":
                return zone with { Kind = ReadZoneKind(b) };
            case "file":
                return zone with { File = ResolvePath(b, Directory, Single(b)) };
            case "allow-update":
                return zone with { AllowUpdate = List(b) };
            case "allow-transfer":
                return zone with { AllowTransfer = List(b) };
            case "allow-update-forwarding":
                return zone with { AllowUpdateForwarding = List(b) };
            case "allow-notify":
                return zone with { AllowNotify = List(b) };
            case "also-notify":
                return zone with { AlsoNotify = ReadServers(b) };
            case "notify":
                return zone with { Notify = ReadNotify(b) };
            case "masters" or "primaries":
                return zone with { Primaries = ReadServers(b) };
            case "max-records-in-zone":
                return zone with { MaxRecords = ReadInteger(b, 0, int.MaxValue, "records a zone may hold; 0 for no cap") };
            default:
                Ignored.Add($"{b.File}:{b.Line}: zone {zone.Name} {b.Keyword}");
                return zone;
        }
    }

    private static ZoneKind ReadZoneKind(ConfStatement b) => Single(b).ToLowerInvariant() switch
    {
        "master" or "primary" => ZoneKind.Primary,
        "slave" or "secondary" => ZoneKind.Secondary,
        "hint" or "forward" or "stub" or "static-stub" or "redirect" or "mirror" or "delegation-only" => ZoneKind.Other,
        var other => throw b.Error($"unknown zone type '{other}'"),
    };

    /// <summary>Checks what a zone of its type needs (a file, primaries) and that every key its lists name is declared.</summary>
    private void CheckZone(ConfStatement s, ZoneConfig zone)
    {
        var name = zone.Name;
        if (zone.Kind == ZoneKind.Primary && zone.File is null)
        {
            throw s.Error($"zone {name}: a primary zone needs a 'file'");
        }

        if (zone.Kind == ZoneKind.Secondary && zone.Primaries.Count == 0)
        {
            throw s.Error($"zone {name}: a secondary zone needs 'primaries {{ ADDRESS [port N] [key NAME]; }};' to transfer from");
        }

        if (zone.Kind == ZoneKind.Other)
        {
            Ignored.Add($"{s.File}:{s.Line}: zone {name} (type not served by Kindling)");
        }

        var lists = new[] { zone.AllowUpdate, zone.AllowTransfer, zone.AllowUpdateForwarding, zone.AllowNotify };
        foreach (var key in lists.Where(l => l is not null).SelectMany(l => l!.KeyNames))
        {
            if (!Keys.ContainsKey(key))
            {
                throw s.Error($"zone {name} refers to key {key}, which no key statement declares");
            }
        }
    }

    private static ListenOn ReadListen(ConfStatement s, bool v6)
    {
        var port = 53;
        for (var i = 1; i < s.Words.Count; i++)
        {
            if (s.Words[i].Text.Equals("port", StringComparison.OrdinalIgnoreCase) && i + 1 < s.Words.Count
                && int.TryParse(s.Words[i + 1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536)
            {
                port = p;
                i++;
            }
            else
            {
                Ignored(s, s.Words[i].Text);
            }
        }

        var addresses = new List<IPAddress>();
        foreach (var e in s.Block ?? throw s.Error($"{s.Keyword} needs an address list"))
        {
            var word = e.Words.Count == 1 ? e.Words[0].Text : "";
            switch (word.ToLowerInvariant())
            {
                case "any":
                    addresses.Add(v6 ? IPAddress.IPv6Any : IPAddress.Any);
                    break;
                case "none":
                    break;
                case "localhost":
                    addresses.Add(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback);
                    break;
                default:
                    if (!IPAddress.TryParse(word, out var address))
                    {
                        throw e.Error($"{s.Keyword}: Kindling listens on literal addresses, 'any', 'localhost' or 'none', not '{string.Join(' ', e.Words)}'");
                    }

                    addresses.Add(address);
                    break;
            }
        }

        return new ListenOn(port, addresses);

        static void Ignored(ConfStatement s, string word) => throw s.Error($"{s.Keyword}: unsupported '{word}' (only 'port N')");
    }

    private List<RemoteServer> ReadServers(ConfStatement s)
    {
        var servers = new List<RemoteServer>();
        var defaultPort = 53;
        for (var i = 1; i + 1 < s.Words.Count; i++)
        {
            if (s.Words[i].Text.Equals("port", StringComparison.OrdinalIgnoreCase) && int.TryParse(s.Words[i + 1].Text, out var p))
            {
                defaultPort = p;
            }
        }

        foreach (var e in s.Block ?? throw s.Error($"{s.Keyword} needs a list of addresses"))
        {
            var words = e.Words.Select(w => w.Text).ToList();
            if (words.Count == 0 || !IPAddress.TryParse(words[0], out var address))
            {
                throw e.Error($"{s.Keyword}: expected an address [port N] [key NAME], not '{string.Join(' ', words)}'");
            }

            var port = defaultPort;
            DomainName? key = null;
            for (var i = 1; i < words.Count; i++)
            {
                if (words[i].Equals("port", StringComparison.OrdinalIgnoreCase) && i + 1 < words.Count && int.TryParse(words[i + 1], out var p))
                {
                    port = p;
                    i++;
                }
                else if (words[i].Equals("key", StringComparison.OrdinalIgnoreCase) && i + 1 < words.Count)
                {
                    key = DomainName.Parse(words[++i]);
                    if (!Keys.ContainsKey(key.Value))
                    {
                        throw e.Error($"{s.Keyword}: key {key} is not declared");
                    }
                }
                else
                {
                    throw e.Error($"{s.Keyword}: unexpected '{words[i]}'");
                }
            }

            servers.Add(new RemoteServer(address, port, key));
        }

        return servers;
    }

    private static int ReadInteger(ConfStatement s, int min, int max, string unit) =>
        int.TryParse(Single(s), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw s.Error($"{s.Keyword}: expected a whole number from {min} to {max} ({unit}), not '{Single(s)}'");

    private static NotifyMode ReadNotify(ConfStatement s) => Single(s).ToLowerInvariant() switch
    {
        "yes" or "true" => NotifyMode.Yes,
        "no" or "false" => NotifyMode.No,
        "explicit" => NotifyMode.Explicit,
        "master-only" or "primary-only" => NotifyMode.PrimaryOnly,
        var other => throw s.Error($"notify: expected yes, no, explicit or primary-only, not '{other}'"),
    };

    private AddressMatchList List(ConfStatement s)
    {
        var list = s.Block is null || s.Words.Count != 1
            ? throw s.Error($"{s.Keyword} needs an address match list: {s.Keyword} {{ ... }};")
            : AddressMatchList.Parse(s.Block);
        CheckAclNames(s, list);
        return list;
    }

    // BIND refuses an undefined ACL name and an ACL that refers to itself, directly or through others.
    private void CheckAclNames(ConfStatement s, AddressMatchList list, List<string>? path = null)
    {
        foreach (var name in list.AclNames)
        {
            if (!Acls.TryGetValue(name, out var acl))
            {
                throw s.Error($"{s.Keyword} refers to ACL '{name}', which no acl statement declares");
            }

            if (path is not null && path.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw s.Error($"ACL loop: {string.Join(" -> ", path)} -> {name}");
            }

            CheckAclNames(s, acl, [.. path ?? [], name]);
        }
    }

    internal static string ResolvePath(ConfStatement s, string folder, string value)
    {
        try
        {
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, value));
        }
        catch (ArgumentException)
        {
            throw s.Error($"{s.Keyword}: '{value}' is not a valid path");
        }
    }

    private static string Single(ConfStatement s) =>
        s.Words.Count == 2 && s.Block is null ? s.Words[1].Text : throw s.Error($"{s.Keyword} takes exactly one value");
}
