using System.Text;

namespace Kindling.Replication.Clients;

/// <summary>
/// containerd's <c>certs.d/&lt;domain&gt;/hosts.toml</c> (docs/hosts.md of containerd 1.5+): the domain first, then
/// each node by address, each able to pull and resolve, each trusting the CA copied beside the file (a relative
/// <c>ca</c> is read from the host's folder). containerd appends the file's <c>server</c> as the last host.
/// </summary>
internal static class ContainerdHosts
{
    /// <param name="dialTimeout">containerd 2.1+ reads a per-host <c>dial_timeout</c>; 1.6 (Debian 12) does not.</param>
    public static IReadOnlyList<GeneratedFile> Write(ClientTopology topology, bool dialTimeout)
    {
        var folder = topology.Domain.Authority;
        var text = new StringBuilder();
        text.Append("# containerd registry hosts for ").Append(topology.Domain.Authority).Append(", written by kindling client-config.\n");
        text.Append("# Hosts are tried in order for every request: a refused or failed connection, a TLS error, or a status\n");
        text.Append("# of 400 or more (404 included) moves containerd to the next; the server below is tried last.\n");
        if (dialTimeout)
        {
            text.Append("# dial_timeout bounds the connect to a silent host (containerd 2.1+).\n");
        }
        else
        {
            text.Append("# containerd before 2.1 has no per-host dial_timeout: a silent host costs its 30 s connect timeout\n");
            text.Append("# before the next is tried (regenerate with --containerd-version 2.1 on newer containerd).\n");
        }

        text.Append("server = \"").Append(topology.DomainRegistry).Append("\"\n");
        foreach (var url in new[] { topology.DomainRegistry }.Concat(topology.Nodes.Select(n => n.Registry)))
        {
            text.Append('\n').Append("[host.\"").Append(url).Append("\"]\n");
            text.Append("  capabilities = [\"pull\", \"resolve\"]\n");
            if (topology.CaPem is not null)
            {
                text.Append("  ca = \"ca.crt\"\n");
            }

            if (dialTimeout)
            {
                text.Append("  dial_timeout = \"2s\"\n");
            }
        }

        var files = new List<GeneratedFile> { new($"{folder}/hosts.toml", text.ToString()) };
        if (topology.CaPem is not null)
        {
            files.Add(new GeneratedFile($"{folder}/ca.crt", topology.CaPem));
        }

        return files;
    }
}
