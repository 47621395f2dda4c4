using System.Globalization;

namespace Kindling.Demo;

/// <summary>The demo's configuration files: the seed's two ClusterConfigs and its DNS files, on loopback addresses.</summary>
public sealed class DemoFiles(string workDirectory, DemoTopology topology)
{
    public string Work { get; } = workDirectory;
    public string Package => Path.Combine(Work, "package");
    public string PrimaryData => Path.Combine(Work, "primary");
    public string BackupData => Path.Combine(Work, "backup");
    public string CarriedCa => Path.Combine(Work, "carried-ca");
    public string Logs => Path.Combine(Work, "logs");
    public string DnsDirectory => Path.Combine(Work, "dns");
    public string PrimaryConfig => Path.Combine(Work, "clusterConfig-primary.yaml");
    public string BackupConfig => Path.Combine(Work, "clusterConfig-backup.yaml");

    /// <summary>The primary's admin credentials, carried to the backup so it can copy back what it received.</summary>
    public string CarriedCredentials => Path.Combine(Work, "primary-admin-credentials");
    public string NamedConf => Path.Combine(DnsDirectory, "named.conf");
    public string FailoverFile => Path.Combine(DnsDirectory, "failover.yaml");
    public string CaCertificate => Path.Combine(PrimaryData, "pki", "ca.crt");

    /// <summary>The folder of one DNS instance: the first uses <see cref="DnsDirectory"/> itself (as with one instance).</summary>
    public string DnsDirectoryOf(int instance) => instance == 0 ? DnsDirectory : Path.Combine(Work, $"dns-{topology.DnsInstances[instance]}");

    public string NamedConfOf(int instance) => Path.Combine(DnsDirectoryOf(instance), "named.conf");

    /// <summary>Each instance keeps its own failover state (the failover file is shared).</summary>
    public string FailoverStateOf(int instance) => Path.Combine(DnsDirectoryOf(instance), "failover.state.json");

    public void Write()
    {
        Directory.CreateDirectory(DnsDirectory);
        File.WriteAllText(PrimaryConfig, ClusterConfig(DemoTopology.Domain, topology.Primary.ToString()));
        File.WriteAllText(BackupConfig, ClusterConfig(topology.Backup.ToString(), DemoTopology.Domain));
        WriteZonePrimaryNamedConf();
        if (topology.DnsInstances.Count > 1)
        {
            WriteInstances();
            return;
        }

        File.WriteAllText(Path.Combine(DnsDirectory, DemoTopology.Zone + ".zone"), $"""
            $TTL 1D
            @   IN SOA  {DemoTopology.Zone}. rname.invalid. (
                                0   ; serial
                                1D  ; refresh
                                1H  ; retry
                                1W  ; expire
                                3H )    ; minimum
                NS  @
                A   127.0.0.1
                AAAA    ::1
                NS  ns.{DemoTopology.Zone}.
            ns  IN A    {topology.Primary}
            www IN A    {topology.Primary}
            email   IN A    {topology.Primary}
            """);
        File.WriteAllText(FailoverFile, FailoverText(peers: ""));
    }

    /// <summary>
    /// The named.conf of the instance holding the zone: with one instance the seed's own (notify no: the zone's NS
    /// names addresses off this machine); with several, the others are its secondaries (transfer, NOTIFY on loopback).
    /// </summary>
    private void WriteZonePrimaryNamedConf()
    {
        var instances = topology.DnsInstances;
        var single = instances.Count == 1;
        var port = topology.DnsPort.ToString(CultureInfo.InvariantCulture);
        var comment = single
            ? "// The seed's /etc/named.conf, on loopback. notify no: the zone's NS names addresses off this machine."
            : "// The zone's primary instance. The other instances are its secondaries (NOTIFY to them, on loopback).";
        var secondaries = single
            ? ""
            : "\n    allow-transfer { 127.0.41.0/24; };\n    also-notify { " + string.Join(" ", instances.Skip(1).Select(a => $"{a} port {port};")) + " };";
        File.WriteAllText(NamedConf, $$"""
            {{comment}}
            options {
                directory "{{DnsDirectory}}";
                listen-on port {{topology.DnsPort}} { {{topology.Dns}}; };
                listen-on-v6 { none; };
                notify {{(single ? "no" : "explicit")}};
            };

            zone "{{DemoTopology.Zone}}" IN {
                type {{(single ? "master" : "primary")}};
                file "{{DemoTopology.Zone}}.zone";
                allow-update { none; };{{secondaries}}
            };
            """);
    }

    /// <summary>
    /// Several instances: the first holds the zone (SOA and NS name every instance) and NOTIFYs the others, which are
    /// its secondaries and forward UPDATEs to it; one failover file with <c>peers:</c> for all.
    /// </summary>
    private void WriteInstances()
    {
        WriteInstancesZone();
        WriteSecondaryNamedConfs();
        WritePeerFailover();
    }

    /// <summary>The zone with SOA and NS naming every DNS instance, so a resolver following NS finds them all.</summary>
    private void WriteInstancesZone()
    {
        var instances = topology.DnsInstances;
        var ns = string.Join("\n", instances.Select((a, i) => $"    NS  ns{i + 1}.{DemoTopology.Zone}."));
        var glue = string.Join("\n", instances.Select((a, i) => $"ns{i + 1} IN A {a}"));
        File.WriteAllText(Path.Combine(DnsDirectory, DemoTopology.Zone + ".zone"), $"""
            $TTL 1D
            ; SOA and NS name every DNS instance, so a resolver following NS finds them all
            @   IN SOA  ns1.{DemoTopology.Zone}. rname.invalid. (
                                1   ; serial
                                1D  ; refresh
                                1H  ; retry
                                1W  ; expire
                                3H )    ; minimum
            {ns}
            {glue}
            www IN A    {topology.Primary}
            email   IN A    {topology.Primary}
            """);
    }

    /// <summary>Each other instance transfers the zone from the first (NOTIFY, IXFR) and serves it with its own failover overlay.</summary>
    private void WriteSecondaryNamedConfs()
    {
        var instances = topology.DnsInstances;
        var port = topology.DnsPort.ToString(CultureInfo.InvariantCulture);
        for (var i = 1; i < instances.Count; i++)
        {
            Directory.CreateDirectory(DnsDirectoryOf(i));
            File.WriteAllText(NamedConfOf(i), $$"""
                // A secondary instance: transfers the zone from {{topology.Dns}} (NOTIFY, IXFR), serves it with its own failover overlay.
                options {
                    directory "{{DnsDirectoryOf(i)}}";
                    listen-on port {{topology.DnsPort}} { {{instances[i]}}; };
                    listen-on-v6 { none; };
                    notify no;
                };

                zone "{{DemoTopology.Zone}}" IN {
                    type secondary;
                    file "{{DemoTopology.Zone}}.zone";
                    primaries { {{topology.Dns}} port {{port}}; };
                };
                """);
        }
    }

    /// <summary>The shared peer key and one failover file whose <c>peers:</c> lists every instance's status URL.</summary>
    private void WritePeerFailover()
    {
        File.WriteAllText(Path.Combine(DnsDirectory, "peer.key"), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)) + "\n");
        File.SetUnixFileMode(Path.Combine(DnsDirectory, "peer.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var urls = string.Join(", ", topology.DnsInstances.Select(a => $"http://{a}:{topology.StatusPort.ToString(CultureInfo.InvariantCulture)}"));
        File.WriteAllText(FailoverFile, FailoverText(peers: $"""
            # the DNS instances check both nodes together: a side is down when most fresh views say so
            peers:
              secret: peer.key
              urls: [{urls}]

            """));
    }

    private string FailoverText(string peers) => peers + $"""
            # www answers the primary while its node service is healthy, the backup while not (Kindling's defaults:
            # checks every 1 s, down after 3 failures, failback after 5 successes and a 10 s hold-down), and failback
            # only once the primary's content digest equals the backup's (the backup copies back what it received).
            records:
              - name: {DemoTopology.Domain}.
                primary: [{topology.Primary}]
                backup: [{topology.Backup}]
                ttl: 5
                check:
                  url: https://{"{address}"}:{topology.RegistryPort.ToString(CultureInfo.InvariantCulture)}/healthz
                  ca: {CaCertificate}
                parity:
                  url: https://{"{address}"}:{topology.RegistryPort.ToString(CultureInfo.InvariantCulture)}/kindling/v1/content-digest
                  ca: {CaCertificate}
            """;

    private string ClusterConfig(string bootstrapNode, string additionalSan) => $"""
        apiVersion: provision.daocloud.io/v1alpha3
        kind: ClusterConfig
        metadata:
          creationTimestamp: null
        spec:
          clusterName: my-cluster
          bootstrapNode: {bootstrapNode}
          tinderKind:
            registryPort: {topology.RegistryPort}
            chartmuseumPort: {topology.ChartsPort}
            minioServerPort: {topology.FilesPort}
          masterNodes:
            - nodeName: "g-master1"
              ip: 172.30.41.194
              ansibleUser: "root"
              ansiblePass: "admin"
          fullPackagePath: "{Path.Combine(Package, "offline")}"
          osRepos:
            type: builtin
            isoPath: "{Path.Combine(Package, "CentOS-7-x86_64-sample.iso")}"
            osPackagePath: "{Path.Combine(Package, "os-pkgs-centos7-v0.0.1-sample.tar.gz")}"
          imagesAndCharts:
            type: builtin
            additionalSSLSubjectAltName: "{additionalSan}"
          addonPackage:
          binaries:
            type: builtin
        """;
}
