using System.Diagnostics;
using System.Net;
using Kindling.Dns;
using Kindling.Dns.Client;

namespace Kindling.Demo;

/// <summary>Asks the demo's DNS server for the failover name, as a client would, and times how long an answer takes to change.</summary>
internal sealed class DnsWatch(IPEndPoint server)
{
    private readonly DnsClient _client = new(server, TimeSpan.FromMilliseconds(300), attempts: 1);

    public async Task<IReadOnlyList<IPAddress>> AnswerAsync(CancellationToken cancellationToken)
    {
        try
        {
            var answer = await _client.QueryAsync(DomainName.Parse(DemoTopology.Domain), RecordType.A, cancellationToken);
            return answer.AnswerAddresses();
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            return [];
        }
    }

    /// <summary>Polls every 25 ms until the answer is exactly <paramref name="expected"/>; the time since <paramref name="since"/>, or null on timeout.</summary>
    public async Task<TimeSpan?> WaitForAsync(IPAddress expected, Stopwatch since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = since.Elapsed + timeout;
        while (since.Elapsed < deadline)
        {
            var answer = await AnswerAsync(cancellationToken);
            if (answer.Count == 1 && answer[0].Equals(expected))
            {
                return since.Elapsed;
            }

            await Task.Delay(25, cancellationToken);
        }

        return null;
    }
}
