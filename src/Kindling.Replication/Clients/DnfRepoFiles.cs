using System.Text;

namespace Kindling.Replication.Clients;

/// <summary>
/// One dnf/yum <c>.repo</c> file per rpm-md repository the node serves (dnf.conf(5), yum.conf(5)): <c>baseurl</c>
/// lists the domain, then each node by address, tried in that order; a short <c>timeout</c> so a silent host is
/// left quickly; <c>skip_if_unavailable=0</c> so an unreachable repository is an error, never a silent skip.
/// </summary>
internal static class DnfRepoFiles
{
    public static IReadOnlyList<GeneratedFile> Write(ClientTopology topology)
    {
        var repositories = topology.Repositories.Where(r => r.Kind == OsRepositoryKind.Yum).ToList();
        if (repositories.Count == 0)
        {
            throw new ReplicationException("the node serves no rpm repository (no kubean/**/repodata/repomd.xml in its file store): install os-pkgs or an ISO on it first (cluster-create step 3)");
        }

        var origins = new[] { topology.DomainFiles! }.Concat(topology.Nodes.Select(n => n.Files!)).ToList();
        return repositories.Select(repository =>
        {
            var text = new StringBuilder();
            text.Append("# written by kindling client-config: ").Append(repository.Path).Append(" from the domain, then each node\n");
            text.Append('[').Append(repository.Id).Append("]\n");
            text.Append("name=kindling ").Append(repository.Path).Append('\n');
            for (var i = 0; i < origins.Count; i++)
            {
                text.Append(i == 0 ? "baseurl=" : "        ").Append(origins[i]).Append("/kubean/").Append(repository.Path).Append("/\n");
            }

            text.Append("enabled=1\n");
            text.Append("gpgcheck=0\n");
            if (topology.CaPath is not null)
            {
                text.Append("sslverify=1\n");
                text.Append("sslcacert=").Append(topology.CaPath).Append('\n');
            }

            text.Append("timeout=5\n");
            text.Append("skip_if_unavailable=0\n");
            text.Append("# yum 3 (CentOS 7) picks a random baseurl unless told otherwise; dnf ignores this line.\n");
            text.Append("failovermethod=priority\n");
            return new GeneratedFile($"{repository.Id}.repo", text.ToString());
        }).ToList();
    }
}
