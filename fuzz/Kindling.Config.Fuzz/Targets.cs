using System.Text;
using Kindling.Fuzz;
using Kindling.Health.Failover;

namespace Kindling.Config.Fuzz;

internal static class Targets
{
    private const string Failover = FailoverFileSample.Yaml;

    private static readonly string[] YamlTokens =
    [
        "&a ", "*a", "[", "]", "{", "}", ": ", "\n  ", "\n- ", "- ", "!!binary ", "!!int ", "!!str ", "? ", "|\n  ", ">-\n  ", "\"", "'", "<<: *a\n",
        "---\n", "...\n", "%YAML 1.2\n---\n", "~", "null", ".nan", "0x10", "1e400", "-1", "99999999999999999999", "\t", "#", "\ufeff", "\\u0000",
    ];

    private static readonly string[] FailoverTokens =
    [
        .. YamlTokens, "records:", "name: ", "primary: ", "backup: ", "ttl: ", "check:", "url: ", "urls:", "ca: ", "host: ", "method: ", "expect: ",
        "{address}", "tcp://{address}:", "https://{address}:443/", "[::1]", "::ffff:1.2.3.4", "0ms", "25h", "1.5s", "9223372036854775807ms", "fall: ",
        "rise: ", "holdDown: ", "parity:", "webhook: ",
    ];

    private static readonly string[] ClusterTokens =
    [
        .. YamlTokens, "apiVersion: ", "kind: ", "spec:", "masterNodes:", "workerNodes:", "nodeName: ", "ip: ", "bootstrapNode: ", "clusterName: ",
        "osRepos:", "type: ", "builtin", "external", "isoPath: ", "imagesAndCharts:", "binaries:", "addonPackage:", "300.1.1.1", "::1", "/..",
        "additionalSSLSubjectAltName: ", "ansibleUser: ", "ansiblePass: ",
    ];

    public static IReadOnlyList<Target> All { get; } =
    [
        new("clusterconfig", "ClusterConfigLoader.Load: a clusterConfig.yaml", input => _ = ClusterConfigLoader.Load(Text(input), "clusterConfig.yaml"),
            _ => false, [Sample("clusterConfig.yaml"), Sample("clusterConfig-backup.yaml")], ClusterTokens),
        new("dcemanifest", "DceManifestLoader.Load: a DCE manifest.yaml", input => _ = DceManifestLoader.Load(Text(input), "manifest.yaml"),
            _ => false, [Sample("manifest.yaml")], YamlTokens),
        new("failover", "FailoverFileLoader.Load: a failover file (dns serve --failover)", input => _ = FailoverFileLoader.Load(Text(input), "/nonexistent/failover.yaml"),
            _ => false, [Encoding.UTF8.GetBytes(Failover)], FailoverTokens),
    ];

    private static string Text(byte[] input) => Encoding.UTF8.GetString(input);

    private static byte[] Sample(string name)
    {
        using var stream = typeof(Targets).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"no embedded sample {name}");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
