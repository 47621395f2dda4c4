using System.Text;

namespace Kindling.Replication.Clients;

/// <summary>
/// kubean's <c>kubean-localservice</c> ConfigMap (the repositories kubean renders into each cluster's inventory) with
/// every rpm repository's URL list (domain first, then each node), and kubespray's <c>containerd_registries_mirrors</c>
/// so the cluster's containerd gets the same fallback as <see cref="ContainerdHosts"/>.
/// </summary>
internal static class KubeanConfig
{
    public static IReadOnlyList<GeneratedFile> Write(ClientTopology topology)
    {
        var registries = new[] { topology.DomainRegistry }.Concat(topology.Nodes.Select(n => n.Registry)).ToList();
        var localService = new StringBuilder();
        localService.Append("# written by kindling client-config: kubectl apply -f kubean-localservice.yaml\n");
        localService.Append("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubean-localservice\n  namespace: kubean-system\ndata:\n  localService: |\n");
        localService.Append("    imageRepoScheme: 'https'\n");
        localService.Append("    imageRepo:\n");
        // The node keeps each image under its origin registry's name (DOMAIN/registry.k8s.io/pause), as the offline package holds it.
        foreach (var (key, origin) in new[] { ("kubeImageRepo", "registry.k8s.io"), ("gcrImageRepo", "gcr.io"), ("githubImageRepo", "ghcr.io"), ("dockerImageRepo", "docker.io"), ("quayImageRepo", "quay.io") })
        {
            localService.Append("      ").Append(key).Append(": '").Append(topology.Domain.Authority).Append('/').Append(origin).Append("'\n");
        }

        if (topology.DomainFiles is not null)
        {
            localService.Append("    filesRepo: '").Append(topology.DomainFiles).Append("'\n");
        }

        var yum = topology.Repositories.Where(r => r.Kind == OsRepositoryKind.Yum).ToList();
        if (yum.Count > 0)
        {
            var origins = new[] { topology.DomainFiles! }.Concat(topology.Nodes.Select(n => n.Files!)).ToList();
            localService.Append("    yumRepos:\n");
            foreach (var repository in yum)
            {
                localService.Append("      ").Append(repository.Id).Append(":\n");
                foreach (var origin in origins)
                {
                    localService.Append("        - '").Append(origin).Append("/kubean/").Append(repository.Path).Append("'\n");
                }
            }
        }

        var vars = new StringBuilder();
        vars.Append("# written by kindling client-config: kubespray variables (the cluster's containerd registry hosts)\n");
        vars.Append("containerd_registries_mirrors:\n");
        vars.Append("  - prefix: ").Append(topology.Domain.Authority).Append('\n');
        vars.Append("    mirrors:\n");
        foreach (var registry in registries)
        {
            vars.Append("      - host: ").Append(registry).Append('\n');
            vars.Append("        capabilities: [\"pull\", \"resolve\"]\n");
            vars.Append("        skip_verify: false\n");
        }

        return [new GeneratedFile("kubean-localservice.yaml", localService.ToString()), new GeneratedFile("kubespray-vars.yaml", vars.ToString())];
    }
}
