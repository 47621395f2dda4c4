using System.CommandLine;
using System.Globalization;
using System.Net;
using Kindling.Replication;
using Kindling.Replication.Continuous;
using Kindling.Replication.Nodes;
using Microsoft.Extensions.Logging;

namespace Kindling.Cli.Commands;

/// <summary>
/// The <c>--replicate-*</c> options of <c>kindling node serve</c>: a backup that follows its primary
/// (Kindling.Replication.Continuous), reporting its lag in /metrics and /healthz.
/// </summary>
internal sealed class NodeReplicationOptions
{
    private readonly Option<string?> _from = new("--replicate-from") { Description = "Keep this node in step with the node at this URL (the primary): copy what changes there, and first copy back what this node received" };
    private readonly Option<string> _interval = new("--replicate-interval") { Description = "Time between replication rounds (e.g. 30s, 2m, 500ms)", DefaultValueFactory = _ => "30s" };
    private readonly Option<string[]> _ca = new("--replicate-ca") { Description = "CA certificate(s) of the primary when it is not this node's own CA; repeatable" };
    private readonly Option<string?> _credentials = new("--replicate-credentials") { Description = "File with the primary's user:password: enables copying back to the primary what this node received (reverse sync)" };

    public IEnumerable<Option> All => [_from, _interval, _ca, _credentials];

    /// <summary>The replicator the options ask for, or null without --replicate-from.</summary>
    public ContinuousReplication? Create(ParseResult parse, string dataDir, IPAddress listen, int registryPort, ILoggerFactory loggers)
    {
        if (parse.GetValue(_from) is not { } from)
        {
            return null;
        }

        try
        {
            var host = listen.Equals(IPAddress.Any) ? "127.0.0.1" : listen.Equals(IPAddress.IPv6Any) ? "[::1]" : listen.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{listen}]" : listen.ToString();
            return new ContinuousReplication(new ReplicationSettings
            {
                Source = NodeEndpoints.ParseUrl(from, "--replicate-from"),
                Self = new Uri(string.Create(CultureInfo.InvariantCulture, $"https://{host}:{registryPort}/")),
                SelfCredentialsFile = Path.Combine(dataDir, "admin-credentials"),
                SourceCredentials = parse.GetValue(_credentials) is { } file ? CredentialsFile.Read(file, "--replicate-credentials") : null,
                Trust = NodeTrust.FromFiles([Path.Combine(dataDir, "pki", "ca.crt"), .. parse.GetValue(_ca) ?? []]),
                Interval = ParseInterval(parse.GetValue(_interval)!),
                StateDirectory = Path.Combine(dataDir, "replication"),
            }, loggers.CreateLogger("Kindling.Replication"));
        }
        catch (ReplicationException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>500ms, 30s, 2m, 1h, or a number of seconds.</summary>
    internal static TimeSpan ParseInterval(string text, string option = "--replicate-interval", bool allowZero = false)
    {
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600) };
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && (value > 0 || allowZero && value == 0))
            {
                return TimeSpan.FromSeconds(value * seconds);
            }
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) && (plain > 0 || allowZero && plain == 0)
            ? TimeSpan.FromSeconds(plain)
            : throw new UsageException($"{option} '{text}': give a duration such as 30s, 2m or 500ms");
    }
}
