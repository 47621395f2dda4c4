using System.Text;
using Kindling.Dns;
using Kindling.Dns.Records;
using Kindling.Health.Failover;

namespace Kindling.Health.Overlay;

/// <summary>
/// The maintenance override of a failover name, kept in its zone as a TXT record at <c>_failover.NAME</c>:
/// <c>"primary"</c> or <c>"backup"</c> forces that side; no record means automatic. Written with RFC 2136 UPDATE
/// (<c>kindling dns switch</c>, or <c>nsupdate -k</c>), so it is authorised by <c>allow-update</c> and TSIG,
/// journaled with the zone, survives restarts and is visible to secondaries and to <c>dig TXT</c>.
/// </summary>
public static class SwitchRecord
{
    public const string Label = "_failover";

    /// <summary>The octets of <see cref="Label"/>.</summary>
    private static ReadOnlySpan<byte> LabelOctets => "_failover"u8;

    public static DomainName NameFor(DomainName failoverName) => failoverName.Prepend(LabelOctets);

    public static string Text(FailoverMode mode) => mode switch
    {
        FailoverMode.ForcePrimary => "primary",
        FailoverMode.ForceBackup => "backup",
        _ => "auto",
    };

    public static FailoverMode? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "primary" => FailoverMode.ForcePrimary,
        "backup" => FailoverMode.ForceBackup,
        "auto" => FailoverMode.Auto,
        _ => null,
    };

    /// <summary>The mode a TXT RRset asks for: its first string, or automatic when there is none or it is not understood.</summary>
    public static FailoverMode ModeOf(IEnumerable<RecordData> txt)
    {
        foreach (var record in txt.OfType<TxtRecord>())
        {
            if (record.Strings.Count > 0 && Parse(Encoding.ASCII.GetString(record.Strings[0])) is { } mode)
            {
                return mode;
            }
        }

        return FailoverMode.Auto;
    }

    /// <summary>
    /// The UPDATE (RFC 2136 §2.5) that sets the override: delete the TXT RRset, then add the new value unless automatic.
    /// </summary>
    public static DnsMessage BuildUpdate(DomainName zone, DomainName failoverName, FailoverMode mode, ushort id)
    {
        var name = NameFor(failoverName);
        var message = new DnsMessage { Id = id, Opcode = Opcode.Update };
        message.Questions.Add(new Question(zone, RecordType.SOA, RecordClass.IN));
        message.Authority.Add(new ResourceRecord(name, RecordType.TXT, RecordClass.ANY, 0, null));
        if (mode != FailoverMode.Auto)
        {
            message.Authority.Add(new ResourceRecord(name, RecordType.TXT, RecordClass.IN, 0, new TxtRecord(Text(mode))));
        }

        return message;
    }
}
