using Kindling.Dns.Records;
using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Tsig;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Server.Transfer;

/// <summary>
/// Serves a zone transfer over TCP (RFC 5936): the SOA, every RRset as served (overlay applied), the SOA again, packed
/// into messages of about 16 KB. An IXFR request (RFC 1995) whose serial is current gets the SOA alone; otherwise the
/// whole zone in AXFR form (§4 allows it). With TSIG every message is signed, the first over the request's MAC, the
/// next ones over the previous MAC (RFC 8945 §5.3.1).
/// </summary>
internal static class ZoneTransfer
{
    private const int MessageTarget = 16_000;

    public static async Task SendAsync(Zone zone, DnsMessage request, TsigKey? key, byte[] requestMac, TimeProvider time,
        Func<ReadOnlyMemory<byte>, ValueTask> send)
    {
        var records = RecordsToSend(zone, request);
        var buffer = new byte[ushort.MaxValue];
        var mac = requestMac;
        var first = true;
        var index = 0;
        while (index < records.Count)
        {
            var length = WriteMessage(buffer, request, records, ref index, first);
            if (key is not null)
            {
                length = TsigSigner.Sign(buffer, length, key, TsigSigner.Now(time), mac, out mac, timersOnly: !first);
            }

            await send(buffer.AsMemory(0, length).ToArray());
            first = false;
        }
    }

    // IXFR from a serial not older than ours: the SOA alone (RFC 1995 §2, "up to date"); else the whole zone, AXFR
    // style, between two copies of the SOA (the first comes with the zone's sets).
    private static List<ResourceRecord> RecordsToSend(Zone zone, DnsMessage request)
    {
        var records = new List<ResourceRecord>();
        var clientSerial = request.Authority.FirstOrDefault(r => r.Type == RecordType.SOA)?.Data as SoaRecord;
        if (request.Questions[0].Type == RecordType.IXFR && clientSerial is not null && !SerialNumber.IsGreater(zone.Serial, clientSerial.Serial))
        {
            records.AddRange(zone.SoaSet.ToRecords());
            return records;
        }

        foreach (var set in zone.AllSets())
        {
            records.AddRange(set.ToRecords());
        }

        records.AddRange(zone.SoaSet.ToRecords());
        return records;
    }

    // One message of the transfer: header, the question in the first message only, records from `index` on up to
    // about MessageTarget octets (advancing `index`), the OPT when the request had one. Returns its length.
    private static int WriteMessage(byte[] buffer, DnsMessage request, List<ResourceRecord> records, ref int index, bool first)
    {
        var question = request.Questions[0];
        var table = new ushort[256];
        var writer = new DnsWriter(buffer, table);
        writer.Limit = buffer.Length - 600; // room for TSIG
        writer.WriteUInt16(request.Id);
        writer.WriteUInt16(HeaderFlags.Response | HeaderFlags.AuthoritativeAnswer);
        writer.WriteUInt16((ushort)(first ? 1 : 0));
        writer.WriteUInt16(0);
        writer.WriteUInt16(0);
        writer.WriteUInt16(0);
        if (first)
        {
            writer.WriteName(question.Name);
            writer.WriteUInt16((ushort)question.Type);
            writer.WriteUInt16((ushort)question.Class);
        }

        ushort count = 0;
        while (index < records.Count && writer.Position < MessageTarget)
        {
            var mark = writer.Checkpoint();
            DnsMessage.WriteRecord(ref writer, records[index]);
            if (writer.Overflowed)
            {
                writer.Rollback(mark);
                break;
            }

            count++;
            index++;
        }

        writer.PatchUInt16(6, count);
        if (request.Edns is { } edns)
        {
            // The OPT the request carried is answered in every message (RFC 6891 §7), as BIND does.
            ResponseBuilder.WriteOpt(ref writer, edns.DnssecOk, ResponseCode.NoError);
            writer.PatchUInt16(10, 1);
        }

        return writer.Position;
    }
}
