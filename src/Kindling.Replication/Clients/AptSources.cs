using System.Text;

namespace Kindling.Replication.Clients;

/// <summary>
/// apt sources through apt-transport-mirror(1): each Debian archive the node serves gets a <c>mirror+file:</c> source
/// whose list names the domain, then each node by address, in that order.
/// </summary>
internal static class AptSources
{
    public const string MirrorFolder = "/etc/apt/mirrors";

    public static IReadOnlyList<GeneratedFile> Write(ClientTopology topology)
    {
        var repositories = topology.Repositories.Where(r => r.Kind == OsRepositoryKind.Apt).ToList();
        if (repositories.Count == 0)
        {
            throw new ReplicationException("the node serves no apt repository (no kubean/**/dists/SUITE/Release in its file store): this format is for Debian and Ubuntu os-pkgs");
        }

        var origins = new[] { topology.DomainFiles! }.Concat(topology.Nodes.Select(n => n.Files!)).ToList();
        var sources = new StringBuilder("# written by kindling client-config: install as /etc/apt/sources.list.d/kindling.list\n");
        var files = new List<GeneratedFile>();
        foreach (var repository in repositories)
        {
            var list = $"{repository.Id}.list";
            sources.Append("deb [trusted=yes] mirror+file:").Append(MirrorFolder).Append('/').Append(list).Append(' ')
                .Append(repository.Suite).Append(' ').Append(string.Join(' ', repository.Components ?? ["main"])).Append('\n');
            files.Add(new GeneratedFile($"mirrors/{list}", string.Concat(origins.Select(o => $"{o}/kubean/{repository.Path}/\tpriority:{origins.IndexOf(o) + 1}\n"))));
        }

        files.Insert(0, new GeneratedFile("sources.list.d/kindling.list", sources.ToString()));
        return files;
    }
}
