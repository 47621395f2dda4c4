using System.Net;
using Kindling.Config;
using Kindling.Installer.Network;

namespace Kindling.Installer.Hosts;

public enum HostsAction
{
    /// <summary>bootstrapNode is an IP or auto: the hosts file is not involved.</summary>
    NotApplicable,

    /// <summary>The domain resolves to this node: nothing to do.</summary>
    ResolvesHere,

    /// <summary>Kindling's block already maps the domain to this node: nothing to do.</summary>
    AlreadyInHostsFile,

    /// <summary>The domain does not resolve: add <c>IP domain</c> in Kindling's block.</summary>
    AddEntry,

    /// <summary>The domain resolves to another host, and <c>--force-hosts</c> was given: add the entry anyway.</summary>
    ForceEntry,

    /// <summary>The domain resolves to another host: refuse, leave the file alone.</summary>
    RefuseResolvesElsewhere,

    /// <summary>A line not managed by Kindling maps the domain elsewhere: refuse, the operator must remove it.</summary>
    RefuseUnmanagedEntry,
}

/// <summary>What domain-name mode does to the hosts file, and why, in words for the plan and the log.</summary>
public sealed record HostsDecision(HostsAction Action, string HostsFilePath, string? Domain, IPAddress NodeIp, string Explanation)
{
    public bool Refused => Action is HostsAction.RefuseResolvesElsewhere or HostsAction.RefuseUnmanagedEntry;

    public bool Writes => Action is HostsAction.AddEntry or HostsAction.ForceEntry;
}

/// <summary>
/// DCE's domain-name mode (seed, upgrade note): when <c>bootstrapNode</c> is a domain, check whether it resolves to
/// this node; if yes do nothing, if it does not resolve add a hosts entry on the bootstrap node. Kindling also
/// refuses, instead of silently shadowing DNS, when the domain resolves to a different host (DNS still points
/// at the backup).
/// </summary>
internal sealed class DomainNameMode(IHostResolver resolver, INodeNetwork network)
{
    public async Task<HostsDecision> DecideAsync(ClusterConfig config, NodeIp nodeIp, string hostsFilePath, bool forceHosts, CancellationToken cancellationToken)
    {
        if (config.BootstrapNodeMode != BootstrapNodeMode.Domain)
        {
            return new HostsDecision(HostsAction.NotApplicable, hostsFilePath, null, nodeIp.Address,
                $"bootstrapNode is {(config.BootstrapNodeMode == BootstrapNodeMode.Ip ? "an IP address (IP mode)" : "auto")}: {hostsFilePath} is not touched");
        }

        var domain = config.BootstrapNode.TrimEnd('.');
        var local = network.LocalAddresses();
        var resolution = await resolver.ResolveAsync(domain, cancellationToken);
        var hosts = HostsFile.Read(hostsFilePath);
        var entry = $"\"{nodeIp.Address} {domain}\"";

        HostsDecision Decide(HostsAction action, string why) => new(action, hostsFilePath, domain, nodeIp.Address, why);

        if (resolution.Resolved)
        {
            var shown = string.Join(", ", resolution.Addresses);
            if (resolution.Addresses.Any(a => NodeAddresses.IsLocal(a, nodeIp, local)))
            {
                return Decide(HostsAction.ResolvesHere, $"{domain} resolves to {shown} through {resolver.Description}, which is this node: {hostsFilePath} is left as it is");
            }

            if (forceHosts)
            {
                return Decide(HostsAction.ForceEntry, $"{domain} resolves to {shown} through {resolver.Description}, not to this node ({nodeIp.Address}); --force-hosts: adding {entry} to {hostsFilePath} anyway");
            }

            return Decide(HostsAction.RefuseResolvesElsewhere,
                $"{domain} resolves to {shown} through {resolver.Description}, but this node is {nodeIp.Address}. " +
                "The dnsServer still points the domain at another node (after a failover, switch it back to this node first, as the seed's upgrade note says). " +
                $"{hostsFilePath} was left alone; pass --force-hosts to add {entry} anyway.");
        }

        var unmanaged = hosts.UnmanagedEntriesFor(domain);
        if (unmanaged.FirstOrDefault(e => !NodeAddresses.IsLocal(e.Address, nodeIp, local)) is { Line: > 0 } foreign)
        {
            return Decide(HostsAction.RefuseUnmanagedEntry,
                $"{hostsFilePath}:{foreign.Line} maps {domain} to {foreign.Address}, which is not this node ({nodeIp.Address}), and is not managed by Kindling; remove that line and run again");
        }

        if (unmanaged.Count > 0)
        {
            return Decide(HostsAction.ResolvesHere, $"{hostsFilePath}:{unmanaged[0].Line} already maps {domain} to this node: nothing to do");
        }

        var why = $"{domain} does not resolve through {resolver.Description} ({resolution.Failure})";
        return hosts.ManagedEntries().Any(e => e.Address.Equals(nodeIp.Address) && e.Names.Contains(domain, StringComparer.OrdinalIgnoreCase))
            ? Decide(HostsAction.AlreadyInHostsFile, $"{why}; {hostsFilePath} already holds {entry} in Kindling's block: nothing to change")
            : Decide(HostsAction.AddEntry, $"{why}: adding {entry} to {hostsFilePath} in a block marked '# BEGIN kindling'");
    }

    /// <summary>Carries out a decision; true when the hosts file changed.</summary>
    public static bool Apply(HostsDecision decision)
    {
        if (decision.Refused)
        {
            throw new InstallerException(decision.Explanation);
        }

        return decision.Writes
            && HostsFile.Read(decision.HostsFilePath).SetManagedEntries([(decision.NodeIp, decision.Domain!)]);
    }
}
