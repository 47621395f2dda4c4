using System.Net;
using System.Security.Cryptography;
using Kindling.Dns;
using Kindling.Dns.Tsig;
using Kindling.Health.External;
using Kindling.Health.Failover;

namespace Kindling.Health.Overlay;

/// <summary>What <c>kindling dns switch</c> achieved: the outcome, and the name's addresses afterwards.</summary>
public sealed record SwitchResult(bool Applied, string Detail, IReadOnlyList<IPAddress> Addresses);

/// <summary>
/// Sets a failover name's maintenance override on a running <c>kindling dns serve</c> by RFC 2136 UPDATE of its
/// <c>_failover</c> TXT record (<see cref="SwitchRecord"/>), signed with TSIG, then reads the name's addresses back.
/// </summary>
public sealed class SwitchClient(DnsExchange exchange)
{
    /// <exception cref="IOException">The server cannot be reached or is not authoritative for the name.</exception>
    public async Task<SwitchResult> SwitchAsync(string failoverName, FailoverMode mode, CancellationToken cancellationToken)
    {
        var updater = new Rfc2136Updater(exchange);
        var name = DomainName.Parse(failoverName.EndsWith('.') ? failoverName : failoverName + ".");
        var zone = await updater.FindZoneAsync(name, cancellationToken);
        var reply = await exchange.SendAsync(SwitchRecord.BuildUpdate(zone, name, mode, (ushort)RandomNumberGenerator.GetInt32(65536)), cancellationToken);
        var rcode = reply.Message.ResponseCode;
        if (exchange.Key is not null && reply.Tsig != TsigStatus.Valid)
        {
            return new SwitchResult(false, $"{rcode}: the server did not accept the key (reply TSIG {reply.Tsig}); check --key against allow-update", []);
        }

        if (rcode != ResponseCode.NoError)
        {
            return new SwitchResult(false, rcode == ResponseCode.Refused
                ? "REFUSED: allow-update of the zone does not admit this key or address"
                : rcode.ToString().ToUpperInvariant(), []);
        }

        // The monitor applies the override as soon as the zone commits; give it a moment before reading back.
        IReadOnlyList<IPAddress> addresses = [];
        for (var attempt = 0; attempt < 20; attempt++)
        {
            addresses = await updater.ReadAsync(name, cancellationToken);
            if (attempt > 0 || mode == FailoverMode.Auto)
            {
                break;
            }

            await Task.Delay(100, cancellationToken);
        }

        return new SwitchResult(true, $"{SwitchRecord.NameFor(name)} TXT \"{SwitchRecord.Text(mode)}\" in zone {zone}", addresses);
    }
}
