using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Kindling.Config;
using Kindling.Config.Yaml;
using Kindling.Dns;
using YamlDotNet.RepresentationModel;

namespace Kindling.Health.Failover;

/// <summary>
/// Reads the failover file given to <c>kindling dns serve --failover</c> and <c>kindling failover</c>
/// (format: docs/failover.md). Every problem names the file, the line and the YAML path.
/// </summary>
public static partial class FailoverFileLoader
{
    public static LoadResult<FailoverFile> LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new LoadResult<FailoverFile>(null, [new ConfigDiagnostic(path, 0, "", $"cannot read the failover file: {e.Message}", DiagnosticSeverity.Error)]);
        }

        return Load(text, path);
    }

    public static LoadResult<FailoverFile> Load(string text, string file)
    {
        var context = new YamlContext(file);
        var root = YamlDocumentLoader.Load(text, context, "failover file", "a mapping with a records: list");
        if (root is null)
        {
            return new LoadResult<FailoverFile>(null, context.Diagnostics);
        }

        var top = new YamlObject(root, "", context);
        var webhook = ReadUrl(top, "webhook", context, "http", "https");
        if (!top.Has("records"))
        {
            context.Error(root, "records", "missing; list the failover names under records:");
        }

        var records = new List<FailoverRecord>();
        var seen = new Dictionary<DomainName, string>();
        foreach (var entry in top.ObjectList("records"))
        {
            if (ReadRecord(entry, context) is { } record)
            {
                if (seen.TryGetValue(record.Name, out var first))
                {
                    context.Error(entry.Raw("name"), entry.Child("name"), $"{record.Name} is already declared at {first}; each name may appear once");
                }
                else
                {
                    seen[record.Name] = entry.Path;
                    records.Add(record);
                }
            }
        }

        if (top.Has("records") && records.Count == 0 && !context.HasErrors)
        {
            context.Error(top.Raw("records"), "records", "the list is empty; declare at least one failover name");
        }

        var peers = ReadPeers(top, context);
        top.ReportUnknownKeys();
        return new LoadResult<FailoverFile>(new FailoverFile { Path = file, Records = records, Webhook = webhook, Peers = peers }, context.Diagnostics);
    }

    private static FailoverRecord? ReadRecord(YamlObject entry, YamlContext context)
    {
        var errorsBefore = context.Diagnostics.Count(d => d.IsError);
        var name = ReadName(entry, context);
        var primary = ReadAddresses(entry, "primary", context);
        var backup = ReadAddresses(entry, "backup", context);
        foreach (var shared in primary.Intersect(backup))
        {
            context.Warning(entry.Raw("backup"), entry.Child("backup"), $"{shared} is both a primary and a backup address");
        }

        var ttl = entry.Int("ttl", 0, int.MaxValue) ?? 5;
        var check = entry.Object("check");
        if (check is null && !entry.Has("check"))
        {
            context.Error(entry.Node, entry.Child("check"), "missing; each failover record needs a health check (check: url: https://{address}:443/healthz)");
        }

        var timings = check is null ? new FailoverTimings() : ReadTimings(check, context);
        var checks = check is null ? [] : ReadChecks(check, context);
        var parity = ReadParity(entry, context);
        entry.ReportUnknownKeys();
        if (context.Diagnostics.Count(d => d.IsError) > errorsBefore || name is null)
        {
            return null;
        }

        return new FailoverRecord { Name = name.Value, Primary = primary, Backup = backup, Ttl = ttl, Checks = checks, Timings = timings, Parity = parity };
    }

    private static DomainName? ReadName(YamlObject entry, YamlContext context)
    {
        var name = entry.String("name");
        if (name is null)
        {
            context.Error(entry.Node, entry.Child("name"), "missing; give the domain name to answer, e.g. name: www.tinder-node-server.com.");
            return null;
        }

        var absolute = name.EndsWith('.') ? name : name + ".";
        if (absolute.Length > 254 || !DomainNamePattern().IsMatch(absolute)
            || !DomainName.TryParse(absolute.ToLowerInvariant(), DomainName.Root, out var parsed, out _))
        {
            context.Error(entry.Raw("name"), entry.Child("name"), $"\"{name}\" is not a domain name (letters, digits, '-', '_' and '*' in dot-separated labels of at most 63 characters)");
            return null;
        }

        return parsed;
    }

    private static List<IPAddress> ReadAddresses(YamlObject entry, string key, YamlContext context)
    {
        var result = new List<IPAddress>();
        if (!entry.Has(key))
        {
            context.Error(entry.Node, entry.Child(key), $"missing; list the {key} node's addresses, e.g. {key}: [172.30.41.193]");
            return result;
        }

        foreach (var (value, node, path) in entry.StringList(key, splitCommas: true))
        {
            if (IPAddress.TryParse(value, out var address) && !value.Contains('%', StringComparison.Ordinal))
            {
                result.Add(address);
            }
            else
            {
                context.Error(node, path, $"\"{value}\" is not an IPv4 or IPv6 address");
            }
        }

        if (result.Count == 0 && !context.HasErrors)
        {
            context.Error(entry.Raw(key), entry.Child(key), "the list is empty; give at least one address");
        }

        return result;
    }

    private static FailoverTimings ReadTimings(YamlObject check, YamlContext context)
    {
        var defaults = new FailoverTimings();
        var timings = new FailoverTimings
        {
            Interval = ReadDuration(check, "interval", context) ?? defaults.Interval,
            FastInterval = ReadDuration(check, "fastInterval", context) ?? defaults.FastInterval,
            Timeout = ReadDuration(check, "timeout", context) ?? defaults.Timeout,
            Fall = check.Int("fall", 1, 1000) ?? defaults.Fall,
            Rise = check.Int("rise", 1, 1000) ?? defaults.Rise,
            HoldDown = ReadDuration(check, "holdDown", context, allowZero: true) ?? defaults.HoldDown,
            HoldDownMax = ReadDuration(check, "holdDownMax", context, allowZero: true) ?? defaults.HoldDownMax,
            FlapWindow = ReadDuration(check, "flapWindow", context) ?? defaults.FlapWindow,
        };
        if (timings.FastInterval > timings.Interval)
        {
            context.Error(check.Raw("fastInterval") ?? check.Node, check.Child("fastInterval"), $"the fast re-probe interval must not exceed the interval ({FailoverStateMachine.Format(timings.Interval)})");
        }

        if (timings.HoldDownMax < timings.HoldDown)
        {
            context.Error(check.Raw("holdDownMax") ?? check.Raw("holdDown") ?? check.Node, check.Child("holdDownMax"),
                $"must be at least holdDown ({FailoverStateMachine.Format(timings.HoldDown)}); the default is 5m");
        }

        return timings;
    }

    private static List<CheckSpec> ReadChecks(YamlObject check, YamlContext context)
    {
        var defaults = ReadCheckSettings(check, null, context);
        var result = new List<CheckSpec>();
        if (check.String("url") is { } url && ReadCheckUrl(url, check.Raw("url")!, check.Child("url"), defaults, context) is { } first)
        {
            result.Add(first);
        }

        var list = check.Raw("urls");
        if (list is YamlSequenceNode sequence)
        {
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var path = $"{check.Child("urls")}[{i}]";
                switch (sequence.Children[i])
                {
                    case YamlScalarNode { Value: { } text } scalar:
                        AddIfValid(result, ReadCheckUrl(text, scalar, path, defaults, context));
                        break;
                    case YamlMappingNode mapping:
                        var item = new YamlObject(mapping, path, context);
                        var settings = ReadCheckSettings(item, defaults, context);
                        if (item.String("url") is { } itemUrl)
                        {
                            AddIfValid(result, ReadCheckUrl(itemUrl, item.Raw("url")!, item.Child("url"), settings, context));
                        }
                        else
                        {
                            context.Error(mapping, item.Child("url"), "missing; each entry of urls needs a url");
                        }

                        item.ReportUnknownKeys();
                        break;
                    default:
                        context.Error(sequence.Children[i], path, "expected a URL or a mapping with url:");
                        break;
                }
            }
        }
        else if (list is not null && !YamlObject.IsNull(list))
        {
            context.Error(list, check.Child("urls"), $"expected a list of URLs, found a {YamlObject.Describe(list)}");
        }

        if (result.Count == 0 && !context.HasErrors)
        {
            context.Error(check.Node, check.Child("url"), "missing; give the URL to check, e.g. url: https://{address}:443/healthz (or tcp://{address}:9000)");
        }

        check.ReportUnknownKeys();
        return result;
    }

    private static void AddIfValid(List<CheckSpec> list, CheckSpec? spec)
    {
        if (spec is not null)
        {
            list.Add(spec);
        }
    }

    /// <summary>The per-URL settings (ca, host, method, expect, body), inheriting from the check's.</summary>
    private static CheckSpec ReadCheckSettings(YamlObject obj, CheckSpec? inherited, YamlContext context)
    {
        var method = obj.String("method")?.ToUpperInvariant();
        if (method is not null and not ("GET" or "HEAD"))
        {
            context.Error(obj.Raw("method"), obj.Child("method"), $"\"{method}\" is not supported; use GET or HEAD");
            method = null;
        }

        var expect = new List<int>();
        foreach (var (value, node, path) in obj.StringList("expect", splitCommas: true))
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 100 and <= 599)
            {
                expect.Add(status);
            }
            else
            {
                context.Error(node, path, $"\"{value}\" is not an HTTP status code (100-599)");
            }
        }

        var ca = obj.String("ca");
        if (ca is not null)
        {
            ca = CheckCaFile(ca, obj, context);
        }

        return new CheckSpec
        {
            Kind = ProbeKind.Https,
            UrlTemplate = "",
            CaFile = ca ?? inherited?.CaFile,
            Host = obj.String("host") ?? inherited?.Host,
            Method = method ?? inherited?.Method ?? "GET",
            ExpectStatus = expect.Count > 0 ? expect : inherited?.ExpectStatus ?? [],
            BodyContains = obj.String("body") ?? inherited?.BodyContains,
        };
    }

    private static string? CheckCaFile(string ca, YamlObject obj, YamlContext context)
    {
        var full = Path.IsPathRooted(ca) ? ca : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(context.File)) ?? "", ca));
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(full);
            if (collection.Count == 0)
            {
                context.Error(obj.Raw("ca"), obj.Child("ca"), $"{full} holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
                return null;
            }

            return full;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            context.Error(obj.Raw("ca"), obj.Child("ca"), $"cannot read the CA file {full}: {e.Message}");
            return null;
        }
    }

    private static CheckSpec? ReadCheckUrl(string url, YamlNode node, string path, CheckSpec settings, YamlContext context)
    {
        if (!url.Contains("{address}", StringComparison.Ordinal))
        {
            context.Error(node, path, $"\"{url}\" has no {{address}}; write it as e.g. https://{{address}}:443/healthz so each node is checked at its own address");
            return null;
        }

        if (!Uri.TryCreate(url.Replace("{address}", "192.0.2.1", StringComparison.Ordinal), UriKind.Absolute, out var sample))
        {
            context.Error(node, path, $"\"{url}\" is not a URL");
            return null;
        }

        var kind = sample.Scheme switch
        {
            "http" => ProbeKind.Http,
            "https" => ProbeKind.Https,
            "tcp" => ProbeKind.Tcp,
            _ => (ProbeKind?)null,
        };
        if (kind is null)
        {
            context.Error(node, path, $"\"{sample.Scheme}\" is not supported; use http://, https:// or tcp://");
            return null;
        }

        if (kind == ProbeKind.Tcp && (sample.IsDefaultPort || sample.Port <= 0))
        {
            context.Error(node, path, $"\"{url}\" has no port; write tcp://{{address}}:PORT");
            return null;
        }

        if (kind != ProbeKind.Https && settings.CaFile is not null)
        {
            context.Warning(node, path, "ca is only used for https:// checks");
        }

        return settings with { Kind = kind.Value, UrlTemplate = url };
    }

    private static ParitySpec? ReadParity(YamlObject entry, YamlContext context)
    {
        var parity = entry.Object("parity");
        if (parity is null)
        {
            return null;
        }

        var url = parity.String("url");
        var ca = parity.String("ca");
        var spec = new ParitySpec
        {
            UrlTemplate = url ?? "",
            CaFile = ca is null ? null : CheckCaFile(ca, parity, context),
            Host = parity.String("host"),
            Timeout = ReadDuration(parity, "timeout", context) ?? TimeSpan.FromSeconds(2),
        };
        parity.ReportUnknownKeys();
        if (url is null)
        {
            context.Error(parity.Node, parity.Child("url"), "missing; e.g. url: https://{address}:443/kindling/v1/content-digest");
            return null;
        }

        return ReadCheckUrl(url, parity.Raw("url")!, parity.Child("url"), new CheckSpec { Kind = ProbeKind.Https, UrlTemplate = "" }, context) is { Kind: not ProbeKind.Tcp }
            ? spec
            : null;
    }

    /// <summary>
    /// <c>peers:</c> with <c>urls</c> (each instance's <c>--http</c> endpoint), <c>secret</c> (a file of at least 32
    /// bytes, required with urls), optional <c>ca</c> and <c>self</c>.
    /// </summary>
    private static PeersSpec? ReadPeers(YamlObject top, YamlContext context)
    {
        var peers = top.Object("peers");
        if (peers is null)
        {
            return null;
        }

        var errorsBefore = context.Diagnostics.Count(d => d.IsError);
        var urls = new List<Uri>();
        foreach (var (value, node, path) in peers.StringList("urls"))
        {
            if (ReadPeerUrl(value, node, path, context) is not { } url)
            {
                continue;
            }

            if (urls.Contains(url))
            {
                context.Error(node, path, $"{url} is listed twice");
                continue;
            }

            urls.Add(url);
        }

        if (urls.Count == 0 && !context.HasErrors)
        {
            context.Error(peers.Raw("urls") ?? peers.Node, peers.Child("urls"), "missing or empty; list every instance's --http endpoint, e.g. urls: [http://172.30.41.192:8053, http://172.30.41.195:8053]");
        }

        Uri? self = null;
        if (peers.String("self") is { } selfText && peers.Raw("self") is { } selfNode)
        {
            self = ReadPeerUrl(selfText, selfNode, peers.Child("self"), context);
            if (self is not null && urls.Count > 0 && !urls.Contains(self))
            {
                context.Error(selfNode, peers.Child("self"), $"{self} is not one of peers.urls; self names this instance's own entry");
            }
        }

        var ca = peers.String("ca") is { } caText ? CheckCaFile(caText, peers, context) : null;
        if (ca is not null && !urls.Any(u => u.Scheme == "https"))
        {
            context.Warning(peers.Raw("ca"), peers.Child("ca"), "ca is only used for https:// peer URLs");
        }

        var secret = ReadSecret(peers, context);
        peers.ReportUnknownKeys();
        if (context.Diagnostics.Count(d => d.IsError) > errorsBefore || secret is null)
        {
            return null;
        }

        return new PeersSpec { SecretFile = secret.Value.File, Secret = secret.Value.Bytes, CaFile = ca, Self = self, Urls = urls };
    }

    private static Uri? ReadPeerUrl(string text, YamlNode node, string path, YamlContext context)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            context.Error(node, path, $"\"{text}\" is not an http:// or https:// URL; give the instance's --http endpoint, e.g. http://172.30.41.195:8053");
            return null;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            context.Error(node, path, $"\"{text}\" has a path, query or user; give only scheme, address and port, e.g. http://172.30.41.195:8053");
            return null;
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }

    private static (string File, byte[] Bytes)? ReadSecret(YamlObject peers, YamlContext context)
    {
        var name = peers.String("secret");
        if (name is null)
        {
            context.Error(peers.Node, peers.Child("secret"), $"missing; name a file holding the peers' shared secret (at least {PeersSpec.MinSecretBytes} bytes, the same on every instance), e.g. secret: peer.key made with 'openssl rand -base64 48 > peer.key'");
            return null;
        }

        var full = Path.IsPathRooted(name) ? name : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(context.File)) ?? "", name));
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error(peers.Raw("secret"), peers.Child("secret"), $"cannot read the peer secret {full}: {e.Message}");
            return null;
        }

        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t')
        {
            length--;
        }

        if (length < PeersSpec.MinSecretBytes)
        {
            context.Error(peers.Raw("secret"), peers.Child("secret"), $"{full} holds {length} bytes; the peer secret needs at least {PeersSpec.MinSecretBytes} (e.g. 'openssl rand -base64 48 > {Path.GetFileName(full)}')");
            return null;
        }

        return (full, bytes[..length]);
    }

    private static Uri? ReadUrl(YamlObject obj, string key, YamlContext context, params string[] schemes)
    {
        var text = obj.String(key);
        if (text is null)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme))
        {
            return uri;
        }

        context.Error(obj.Raw(key), obj.Child(key), $"\"{text}\" is not an {string.Join(" or ", schemes)} URL");
        return null;
    }

    /// <summary>Durations: <c>500ms</c>, <c>1s</c>, <c>1.5s</c>, <c>5m</c>, <c>1h</c>; a bare number is seconds.</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        // Decimal, so "0.1s" is exactly 100 ms.
        var unit = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "m" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            _ => TimeSpan.TicksPerSecond,
        };
        if (value > 86_400m * TimeSpan.TicksPerSecond / unit)
        {
            return null;
        }

        var span = TimeSpan.FromTicks((long)Math.Round(value * unit));
        return span;
    }

    private static TimeSpan? ReadDuration(YamlObject obj, string key, YamlContext context, bool allowZero = false)
    {
        var text = obj.String(key);
        if (text is null)
        {
            return null;
        }

        var value = ParseDuration(text);
        if (value is null)
        {
            context.Error(obj.Raw(key), obj.Child(key), $"\"{text}\" is not a duration; write e.g. 500ms, 1s, 5m (at most 24h)");
            return null;
        }

        if (value == TimeSpan.Zero && !allowZero)
        {
            context.Error(obj.Raw(key), obj.Child(key), "must be more than zero");
            return null;
        }

        return value;
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?\z")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^(?:(?:\*|[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)\.)+\z")]
    private static partial Regex DomainNamePattern();
}
