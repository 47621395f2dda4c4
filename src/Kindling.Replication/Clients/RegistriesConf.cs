using System.Text;

namespace Kindling.Replication.Clients;

/// <summary>
/// containers-registries.conf(5), version 2, for podman and CRI-O (both read it through containers/image): the domain's
/// images pulled from mirrors in order (the domain, then each node by address), then the domain itself. TLS trust
/// goes in <c>certs.d/&lt;host&gt;/ca.crt</c> beside it (containers-certs.d(5)), one folder per host.
/// </summary>
internal static class RegistriesConf
{
    public static IReadOnlyList<GeneratedFile> Write(ClientTopology topology, string client)
    {
        var hosts = new[] { topology.Domain.Authority }.Concat(topology.Nodes.Select(n => Authority(n.Registry))).ToList();
        var text = new StringBuilder();
        text.Append("# ").Append(client).Append(" registries for ").Append(topology.Domain.Authority).Append(", written by kindling client-config.\n");
        text.Append("# Mirrors are tried in order, then the location: any error (connection, TLS, HTTP status) moves to the next.\n");
        text.Append("# Install as /etc/containers/registries.conf.d/kindling.conf; the CA goes in /etc/containers/certs.d/HOST/ca.crt.\n");
        text.Append("[[registry]]\n");
        text.Append("prefix = \"").Append(topology.Domain.Authority).Append("\"\n");
        text.Append("location = \"").Append(topology.Domain.Authority).Append("\"\n");
        foreach (var host in hosts)
        {
            text.Append("\n[[registry.mirror]]\n");
            text.Append("location = \"").Append(host).Append("\"\n");
        }

        var files = new List<GeneratedFile> { new("registries.conf.d/kindling.conf", text.ToString()) };
        if (topology.CaPem is not null)
        {
            files.AddRange(hosts.Select(h => new GeneratedFile($"certs.d/{h}/ca.crt", topology.CaPem)));
        }

        return files;
    }

    /// <summary><c>https://172.30.41.193:5443</c> → <c>172.30.41.193:5443</c>.</summary>
    internal static string Authority(string origin) => new Uri(origin).Authority;
}
