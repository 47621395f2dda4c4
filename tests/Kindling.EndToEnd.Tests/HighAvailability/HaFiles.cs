using System.Text.Json;
using System.Text.RegularExpressions;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>The seed's hosts on 172.30.41.0/24 inside the lab, and every file the scenario writes (a temp folder).</summary>
internal sealed partial class HaFiles : IDisposable
{
    public const string Domain = "www.tinder-node-server.com";
    public const string DnsIp = "172.30.41.192";
    public const string PrimaryIp = "172.30.41.193";
    public const string BackupIp = "172.30.41.194";
    public const string ClientIp = "172.30.41.200";

    /// <summary>The DNS instances of the mesh lab (<see cref="DnsInstances"/> 3): .192 holds the zone, .195 and .196 are its secondaries.</summary>
    public static readonly string[] DnsIps = [DnsIp, "172.30.41.195", "172.30.41.196"];

    /// <summary>1: the seed's one dnsServer; 3: three instances with <c>peers:</c>.</summary>
    public int DnsInstances { get; init; } = 1;

    public string NamedConfOf(int instance) => instance == 0 ? NamedConf : _dir.File($"dns{instance + 1}/named.conf");

    public string FailoverStateOf(int instance) => _dir.File(instance == 0 ? "dns/failover.state.json" : $"dns{instance + 1}/failover.state.json");

    private readonly TempDirectory _dir = new("kindling-ha");

    public string Root => _dir.Path;
    public string Package => _dir.File("package");
    public string PrimaryData => _dir.File("primary");
    public string BackupData => _dir.File("backup");
    public string CarriedCa => _dir.File("carried-ca");
    public string CarriedCredentials => _dir.File("primary-admin-credentials");
    public string Logs => _dir.File("logs");
    public string Ca => Path.Combine(PrimaryData, "pki", "ca.crt");
    public string CertDir => _dir.File("certs");
    public string HelmDownloads => _dir.File("helm-downloads");
    public string PrimaryConfig => _dir.File("clusterConfig-primary.yaml");
    public string BackupConfig => _dir.File("clusterConfig-backup.yaml");
    public string FailoverFile => _dir.File("dns/failover.yaml");
    public string NamedConf => _dir.File("dns/named.conf");
    public string KeyFile => _dir.File("dns/update.key");
    public string Image { get; private set; } = "";
    public string Chart { get; private set; } = "";
    public string ChartVersion { get; private set; } = "";
    public string FileKey { get; private set; } = "";

    /// <summary>The failover record's failback hold-down, e.g. "2s"; null keeps Kindling's default.</summary>
    public string? HoldDown { get; init; }

    public IDictionary<string, string> HelmEnvironment => new Dictionary<string, string>
    {
        ["HELM_CACHE_HOME"] = _dir.File("helm/cache"),
        ["HELM_CONFIG_HOME"] = _dir.File("helm/config"),
        ["HELM_DATA_HOME"] = _dir.File("helm/data"),
    };

    /// <summary>Reads what the sample package holds (one image, one chart, one file the clients pull).</summary>
    public void ReadPackage()
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Package, "offline", "images", "index.json")));
        Image = index.RootElement.GetProperty("manifests")[0].GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString()!;
        var chart = Path.GetFileNameWithoutExtension(Directory.EnumerateFiles(Path.Combine(Package, "offline", "charts"), "*.tgz").Order().First());
        var match = ChartFileName().Match(chart);
        Chart = match.Groups[1].Value;
        ChartVersion = match.Groups[2].Value;
        FileKey = File.ReadLines(Path.Combine(Package, "offline", "checksums.sha256")).Select(l => l[66..]).First(n => n.StartsWith("files/", StringComparison.Ordinal))["files/".Length..];
        Directory.CreateDirectory(HelmDownloads);
    }

    public void WriteConfigs()
    {
        File.WriteAllText(PrimaryConfig, ClusterConfig(Domain, PrimaryIp));
        File.WriteAllText(BackupConfig, ClusterConfig(BackupIp, Domain));
    }

    /// <summary>The failover record: www answers the primary while healthy; checks with Kindling's defaults; failback once both hold the same content.</summary>
    public void WriteFailover()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FailoverFile)!);
        var peers = DnsInstances == 1 ? "" : $"peers:\n  secret: peer.key\n  urls: [{string.Join(", ", DnsIps.Take(DnsInstances).Select(a => $"http://{a}:8053"))}]\n";
        if (DnsInstances > 1)
        {
            File.WriteAllText(_dir.File("dns/peer.key"), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)) + "\n");
        }

        File.WriteAllText(FailoverFile, peers + $"""
            records:
              - name: {Domain}.
                primary: [{PrimaryIp}]
                backup: [{BackupIp}]
                ttl: 5
                check:
                  url: https://{"{address}"}:443/healthz
                  ca: {Ca}{(HoldDown is null ? "" : $"\n      holdDown: {HoldDown}")}
                parity:
                  url: https://{"{address}"}:443/kindling/v1/content-digest
                  ca: {Ca}
            """);
    }

    /// <summary>The seed's named.conf and zone, for Kindling's server (<paramref name="dynamic"/> false) or a real BIND driven by RFC 2136.</summary>
    public void WriteDns(bool dynamic, string keySecret)
    {
        var dir = Path.GetDirectoryName(NamedConf)!;
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "tinder-node-server.com.zone"), $"""
            $TTL 1D
            @   IN SOA  tinder-node-server.com. rname.invalid. (
                                0   ; serial
                                1D  ; refresh
                                1H  ; retry
                                1W  ; expire
                                3H )    ; minimum
                NS  @
                A   127.0.0.1
                AAAA    ::1
                NS  ns.tinder-node-server.com.
            ns  IN A    {PrimaryIp}
            www 5 IN A    {PrimaryIp}
            email   IN A    {PrimaryIp}
            """);
        File.WriteAllText(KeyFile, $"key \"kindling-failover\" {{ algorithm hmac-sha256; secret \"{keySecret}\"; }};\n");
        File.WriteAllText(NamedConf, $$"""
            options {
                directory "{{dir}}";
                pid-file "{{dir}}/named.pid";
                session-keyfile "{{dir}}/session.key";
                listen-on port 53 { {{DnsIp}}; };
                listen-on-v6 { none; };
                recursion no;
                notify no;
                dnssec-validation no;
                trust-anchor-telemetry no;
            };
            controls { };
            include "{{KeyFile}}";
            zone "tinder-node-server.com" IN {
                type master;
                file "tinder-node-server.com.zone";
                allow-update { {{(dynamic ? "key kindling-failover;" : "none;")}} };
            };
            """);
    }

    /// <summary>
    /// The mesh's DNS: instance 1 (.192) holds the seed's zone, whose SOA and NS name every instance, and NOTIFYs the
    /// others; instances 2 and 3 are its secondaries (IXFR/AXFR), forwarding UPDATEs to it.
    /// </summary>
    public void WriteMeshDns()
    {
        var dir = Path.GetDirectoryName(NamedConf)!;
        Directory.CreateDirectory(dir);
        var ips = DnsIps.Take(DnsInstances).ToList();
        File.WriteAllText(Path.Combine(dir, "tinder-node-server.com.zone"), $"""
            $TTL 1D
            @   IN SOA  ns1.tinder-node-server.com. rname.invalid. ( 1 1D 1H 1W 3H )
            {string.Join("\n", ips.Select((_, i) => $"    NS  ns{i + 1}.tinder-node-server.com."))}
            {string.Join("\n", ips.Select((a, i) => $"ns{i + 1} IN A {a}"))}
            www 5 IN A    {PrimaryIp}
            email   IN A    {PrimaryIp}
            """);
        File.WriteAllText(NamedConf, $$"""
            options { directory "{{dir}}"; listen-on port 53 { {{DnsIp}}; }; listen-on-v6 { none; }; notify explicit; };
            zone "tinder-node-server.com" IN {
                type primary;
                file "tinder-node-server.com.zone";
                allow-update { none; };
                allow-transfer { 172.30.41.0/24; };
                also-notify { {{string.Join(" ", ips.Skip(1).Select(a => a + ";"))}} };
            };
            """);
        for (var i = 1; i < ips.Count; i++)
        {
            var own = Path.GetDirectoryName(NamedConfOf(i))!;
            Directory.CreateDirectory(own);
            File.WriteAllText(NamedConfOf(i), $$"""
                options { directory "{{own}}"; listen-on port 53 { {{ips[i]}}; }; listen-on-v6 { none; }; notify no; };
                zone "tinder-node-server.com" IN {
                    type secondary;
                    file "tinder-node-server.com.zone";
                    primaries { {{DnsIp}}; };
                };
                """);
        }
    }

    private string ClusterConfig(string bootstrapNode, string additionalSan) => $"""
        apiVersion: provision.daocloud.io/v1alpha3
        kind: ClusterConfig
        spec:
          clusterName: my-cluster
          bootstrapNode: {bootstrapNode}
          fullPackagePath: "{Path.Combine(Package, "offline")}"
          osRepos:
            type: builtin
            isoPath: "{Path.Combine(Package, "CentOS-7-x86_64-sample.iso")}"
            osPackagePath: "{Path.Combine(Package, "os-pkgs-centos7-v0.0.1-sample.tar.gz")}"
          imagesAndCharts:
            type: builtin
            additionalSSLSubjectAltName: "{additionalSan}"
          binaries:
            type: builtin
        """;

    [GeneratedRegex(@"^(.+)-(\d+\.\d+\.\d+.*)$")]
    private static partial Regex ChartFileName();

    public void Dispose() => _dir.Dispose();
}
