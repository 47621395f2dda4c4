using System.Net;
using Kindling.Dns;
using Kindling.Dns.Client;

namespace Kindling.Installer.Hosts;

/// <summary>
/// Asks one DNS server (the seed's dnsServer, given as <c>--dns ADDR:PORT</c>) for a name's A and AAAA records,
/// bypassing /etc/hosts so the check sees what the cluster's clients see.
/// </summary>
public sealed class DnsServerResolver(IPEndPoint server, TimeSpan? timeout = null) : IHostResolver
{
    private readonly DnsClient _client = new(server, timeout ?? TimeSpan.FromSeconds(1), attempts: 2);

    public string Description => $"the DNS server {server}";

    public async Task<Resolution> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        DomainName domain;
        try
        {
            domain = DomainName.Parse(name);
        }
        catch (DnsFormatException e)
        {
            return Resolution.Failed($"\"{name}\" is not a domain name: {e.Message}");
        }

        try
        {
            var addresses = new List<IPAddress>();
            foreach (var type in new[] { RecordType.A, RecordType.AAAA })
            {
                var answer = await _client.QueryAsync(domain, type, cancellationToken);
                if (answer.ResponseCode == ResponseCode.NXDomain)
                {
                    return Resolution.Failed("NXDOMAIN (no such name)");
                }

                if (answer.ResponseCode != ResponseCode.NoError)
                {
                    return Resolution.Failed($"the server answered {answer.ResponseCode}");
                }

                addresses.AddRange(answer.AnswerAddresses());
            }

            return addresses.Count > 0 ? Resolution.Of(addresses) : Resolution.Failed("no A or AAAA records");
        }
        catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException or DnsFormatException)
        {
            return Resolution.Failed(e.Message);
        }
    }
}
