using System.Net;
using System.Text;

namespace Kindling.Replication.Clients;

/// <summary>
/// resolv.conf(5) lines naming every DNS instance: glibc asks them in turn (<c>rotate</c> spreads the first query),
/// waiting <c>timeout:1</c> second per try and making <c>attempts:2</c> rounds, so a dead instance costs one second.
/// </summary>
internal static class ResolvConf
{
    public static IReadOnlyList<GeneratedFile> Write(IReadOnlyList<IPAddress> servers)
    {
        if (servers.Count == 0)
        {
            throw new ReplicationException("--format resolv needs the DNS instances: give --dns ADDR for each (e.g. --dns 172.30.41.192 --dns 172.30.41.195), or --failover FILE whose peers: list them");
        }

        if (servers.Count > 3)
        {
            throw new ReplicationException($"--dns given {servers.Count} times: glibc reads at most 3 nameserver lines (MAXNS); give 3 or fewer");
        }

        var text = new StringBuilder("# written by kindling client-config: the DNS instances answering the failover domain\n");
        foreach (var server in servers)
        {
            text.Append("nameserver ").Append(server).Append('\n');
        }

        text.Append("options timeout:1 attempts:2 rotate\n");
        return [new GeneratedFile("resolv.conf", text.ToString())];
    }
}
