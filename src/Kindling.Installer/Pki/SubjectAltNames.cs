using System.Net;
using Kindling.Config;

namespace Kindling.Installer.Pki;

/// <summary>
/// The names a bootstrap node's certificate must carry (seed FAQ table): <c>bootstrapNode</c>, every item of
/// <c>additionalSSLSubjectAltName</c>, the node's own IPs, and <c>localhost</c>/<c>127.0.0.1</c>, so the primary
/// (domain + its IP) and the backup (its IP + domain) are both valid under the one domain name.
/// </summary>
public static class SubjectAltNames
{
    public static IReadOnlyList<string> For(ClusterConfig config, IPAddress nodeIp, IEnumerable<IPAddress> localIps)
    {
        var names = new List<string>();
        if (config.BootstrapNodeMode != BootstrapNodeMode.Auto)
        {
            names.Add(config.BootstrapNode);
        }

        names.AddRange(config.ImagesAndCharts.AdditionalSslSubjectAltNames);
        names.Add(nodeIp.ToString());
        names.AddRange(localIps.Select(ip => ip.ToString()));
        names.Add("localhost");
        names.Add("127.0.0.1");
        return Normalize(names);
    }

    /// <summary>Removes duplicates (names case-insensitively, IPs by value) keeping the first order.</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> names)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<string>();
        foreach (var raw in names)
        {
            var name = raw.Trim().TrimEnd('.');
            if (name.Length == 0)
            {
                continue;
            }

            var key = NetworkNames.TryParseIp(name, out var ip) ? ip.ToString() : name.ToLowerInvariant();
            if (seen.Add(key))
            {
                result.Add(NetworkNames.TryParseIp(name, out var ip2) ? ip2.ToString() : name);
            }
        }

        return result;
    }
}
