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

    public void Write()
    {
        Directory.CreateDirectory(DnsDirectory);
        File.WriteAllText(PrimaryConfig, ClusterConfig(DemoTopology.Domain, topology.Primary.ToString()));
        File.WriteAllText(BackupConfig, ClusterConfig(topology.Backup.ToString(), DemoTopology.Domain));
        File.WriteAllText(NamedConf, $$"""
            // The seed's /etc/named.conf, on loopback. notify no: the zone's NS names addresses off this machine.
            options {
                directory "{{DnsDirectory}}";
                listen-on port {{topology.DnsPort}} { {{topology.Dns}}; };
                listen-on-v6 { none; };
                notify no;
            };

            zone "{{DemoTopology.Zone}}" IN {
                type master;
                file "{{DemoTopology.Zone}}.zone";
                allow-update { none; };
            };
            """);
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
        File.WriteAllText(FailoverFile, $"""
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
            """);
    }

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
