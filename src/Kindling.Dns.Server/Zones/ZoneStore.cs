using Kindling.Dns.Config;
using Kindling.Dns.Records;
using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Overlay;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server.Zones;

/// <summary>
/// The one place zones change: loading (zone file plus journal), RFC 2136 updates and overlay switches. Changes are
/// serialized by a lock (they are rare); each one builds a new immutable zone version with the next SOA serial
/// (RFC 1982), appends it to the zone's journal (fsync) and only then publishes it to the query path and raises
/// <see cref="Committed"/> (NOTIFY). Queries never take the lock.
/// </summary>
public sealed class ZoneStore
{
    private readonly QueryAnswerer _answerer;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Dictionary<DomainName, ZoneJournal> _journals = [];
    private Dictionary<DomainName, Dictionary<DomainName, OverlayEntry>> _applied = [];
    private OverlaySnapshot _overlay = OverlaySnapshot.Empty;

    internal ZoneStore(QueryAnswerer answerer, ILogger logger, TimeProvider time)
    {
        _answerer = answerer;
        _logger = logger;
        _time = time;
    }

    /// <summary>A zone version was published after a change (not after a load).</summary>
    public event Action<Zone>? Committed;

    public ZoneTable Zones => _answerer.Zones;

    /// <summary>The overlay entries the journals hold (the failover state before the restart).</summary>
    public IReadOnlyList<OverlayEntry> JournalOverlay => _applied.Values.SelectMany(v => v.Values).ToList();

    /// <summary>Loads every primary zone of <paramref name="conf"/> with its journal; returns warnings. Throws on bad data.</summary>
    internal static (ZoneTable Table, Dictionary<DomainName, ZoneJournal> Journals, Dictionary<DomainName, Dictionary<DomainName, OverlayEntry>> Overlay, List<string> Warnings)
        Load(NamedConf conf, TimeProvider time)
    {
        var zones = new List<Zone>();
        var warnings = new List<string>();
        var journals = new Dictionary<DomainName, ZoneJournal>();
        var overlay = new Dictionary<DomainName, Dictionary<DomainName, OverlayEntry>>();
        foreach (var zc in conf.Zones)
        {
            if (zc.Kind == ZoneKind.Secondary && (zc.File is null || !File.Exists(zc.File)))
            {
                // Not transferred yet: served once the first transfer from its primaries lands (SecondaryZones).
                continue;
            }

            if (zc.Kind is not (ZoneKind.Primary or ZoneKind.Secondary))
            {
                continue;
            }

            if (!File.Exists(zc.File))
            {
                throw new DnsFormatException($"{zc.Source}: zone {zc.Name}: file '{zc.File}' does not exist");
            }

            var (zone, zoneWarnings) = ZoneBuilder.Load(zc.File!, zc.Name, zc, conf.Directory, conf.MaxRecordsFor(zc));
            warnings.AddRange(zoneWarnings);
            var journal = new ZoneJournal(ZoneJournal.PathFor(zc.File!));
            journals[zc.Name] = journal;
            var entries = journal.Read(zc.Name);
            var state = new Dictionary<DomainName, OverlayEntry>();
            if (entries.Count > 0 && entries[0].From != zone.Serial)
            {
                var moved = journal.Discard(time);
                warnings.Add($"{zc.File}: serial {zone.Serial} does not continue the journal (it starts at {entries[0].From}); the zone file was edited, so the journal was moved to {moved}");
            }
            else if (entries.Count > 0)
            {
                zone = Replay(zone, entries, state);
            }

            overlay[zc.Name] = state;
            zones.Add(zone);
        }

        return (new ZoneTable(zones), journals, overlay, warnings);
    }

    private static Zone Replay(Zone zone, List<JournalEntry> entries, Dictionary<DomainName, OverlayEntry> overlay)
    {
        var builder = ZoneBuilder.FromZone(zone);
        foreach (var entry in entries)
        {
            foreach (var deleted in entry.Deleted)
            {
                builder.Remove(deleted.Name, deleted.Type, deleted.Data);
            }

            foreach (var added in entry.Added)
            {
                builder.AddForUpdate(added);
            }

            foreach (var (name, state) in entry.Overlay)
            {
                if (state is null)
                {
                    overlay.Remove(name);
                }
                else
                {
                    overlay[name] = state;
                }
            }
        }

        SetSerial(builder, zone, entries[^1].To);
        var rebuilt = builder.Build(zone.Config?.File ?? zone.Origin.ToString());
        return rebuilt.With(entries[^1].To, Overrides(rebuilt, overlay.Values));
    }

    /// <summary>
    /// Loads zone files and journals and makes them current (start and reload). Done under the change lock so an
    /// UPDATE cannot slip in between reading a journal and publishing what was read. Returns the load warnings.
    /// </summary>
    internal List<string> LoadAndPublish(NamedConf conf)
    {
        lock (_gate)
        {
            var (table, journals, overlay, warnings) = Load(conf, _time);
            _journals = journals;
            _applied = overlay;
            _answerer.Publish(table);
            return warnings;
        }
    }

    /// <summary>
    /// Applies a change to one zone. <paramref name="apply"/> edits a builder holding the zone's data and fills the lists of
    /// records it removed and added; it returns NOERROR to commit (if anything changed) or an rcode to abandon.
    /// </summary>
    public ResponseCode Change(DomainName origin, string reason, Func<Zone, ZoneBuilder, List<ResourceRecord>, List<ResourceRecord>, ResponseCode> apply)
    {
        lock (_gate)
        {
            var zone = Zones.Get(origin);
            if (zone is null)
            {
                return ResponseCode.NotAuth;
            }

            var builder = ZoneBuilder.FromZone(zone);
            List<ResourceRecord> deleted = [], added = [];
            var rcode = apply(zone, builder, deleted, added);
            if (rcode != ResponseCode.NoError || (deleted.Count == 0 && added.Count == 0))
            {
                return rcode;
            }

            // An UPDATE may set a newer SOA serial itself (RFC 2136 §3.4.2.2); otherwise the serial moves on by one.
            var newSoa = added.LastOrDefault(r => r.Type == RecordType.SOA)?.Data as SoaRecord;
            var serial = newSoa is not null && SerialNumber.IsGreater(newSoa.Serial, zone.Serial) ? newSoa.Serial : SerialNumber.Next(zone.Serial);
            SetSerial(builder, zone, serial);
            Zone next;
            try
            {
                next = builder.Build(zone.Config?.File ?? origin.ToString()).With(serial, zone.Overrides);
            }
            catch (DnsFormatException e)
            {
                _logger.LogWarning("update of {Zone} refused: {Reason}", origin, e.Message);
                return ResponseCode.Refused;
            }

            try
            {
                Commit(zone, next, new JournalEntry(zone.Serial, serial, _time.GetUtcNow(), reason) { Deleted = deleted, Added = added });
            }
            catch (IOException e)
            {
                // Not journaled, so not applied: the client hears SERVFAIL and may retry.
                _logger.LogError("update of {Zone} not applied: cannot write its journal: {Error}", origin, e.Message);
                return ResponseCode.ServFail;
            }

            return ResponseCode.NoError;
        }
    }

    /// <summary>Publishes the overlay's current entries: each zone whose overridden names changed gets a new serial.</summary>
    public void ApplyOverlay(OverlaySnapshot snapshot, string reason = "overlay")
    {
        lock (_gate)
        {
            _overlay = snapshot;
            foreach (var zone in Zones.Zones)
            {
                var wanted = WantedOverlay(Zones, zone);
                var applied = _applied.GetValueOrDefault(zone.Origin) ?? [];
                var changes = new List<(DomainName, OverlayEntry?)>();
                changes.AddRange(wanted.Values.Where(e => !e.SameAs(applied.GetValueOrDefault(e.Name))).Select(e => (e.Name, (OverlayEntry?)e)));
                changes.AddRange(applied.Keys.Where(name => !wanted.ContainsKey(name)).Select(name => (name, (OverlayEntry?)null)));
                if (changes.Count == 0)
                {
                    continue;
                }

                // A secondary zone keeps its primary's serial: the overlay is this instance's own layer, and the serial is
                // what refresh compares with the primary's.
                var serial = zone.Config?.Kind == ZoneKind.Secondary ? zone.Serial : SerialNumber.Next(zone.Serial);
                var next = zone.With(serial, Overrides(zone, wanted.Values));
                _applied[zone.Origin] = wanted;
                Commit(zone, next, new JournalEntry(zone.Serial, serial, _time.GetUtcNow(), reason) { Overlay = changes }, serveEvenIfNotJournaled: true);
            }
        }
    }

    private Dictionary<DomainName, OverlayEntry> WantedOverlay(ZoneTable table, Zone zone) =>
        _overlay.Entries.Values.Where(e => ReferenceEquals(table.FindClosest(e.Name.ToLowerWire()), zone)).ToDictionary(e => e.Name);

    /// <summary>
    /// Publishes what a transfer from a secondary zone's primary brought (<see cref="Transfer.SecondaryZones"/>): a whole zone
    /// (AXFR) is written to the zone's file (durably) and starts a new journal; increments (IXFR) are journaled. This
    /// instance's overlay applies on top. Throws <see cref="DnsFormatException"/> when the data is not a valid zone or
    /// the increments do not start at the served serial, or when the resulting zone would hold more than
    /// <paramref name="maxRecords"/> records (<c>max-records-in-zone</c>); the served version then stays.
    /// </summary>
    internal Zone AcceptTransfer(ZoneConfig config, Transfer.TransferResult result, string source, int maxRecords)
    {
        lock (_gate)
        {
            var origin = config.Name;
            var current = Zones.Get(origin);
            var entries = new List<JournalEntry>();
            var builder = result.Records is { } records
                ? BuildTransferred(config, records, source)
                : ApplyIncrements(origin, current, result.Changes, source, entries);
            if (builder.RecordCount > maxRecords)
            {
                throw new DnsFormatException($"{source}: zone {origin} would hold {builder.RecordCount} records after this {(result.Records is null ? "IXFR" : "AXFR")}, "
                    + $"more than {maxRecords} (the cap on this zone, max-records-in-zone in named.conf); not applied, the version held stays served");
            }

            var data = builder.Build(source);
            var table = Zones.With(data);
            var wanted = WantedOverlay(table, data);
            var next = data.With(data.Serial, Overrides(data, wanted.Values));
            if (config.File is { } file)
            {
                JournalTransfer(origin, file, result.Records, data, wanted, entries, source);
            }

            _applied[origin] = wanted;
            _answerer.Publish(table.With(next));
            _logger.LogInformation("zone {Zone}: serial {From} -> {To} ({Kind} from {Source})", origin, current?.Serial.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
                next.Serial, result.Records is null ? "IXFR" : "AXFR", source);
            Committed?.Invoke(next);
            return next;
        }
    }

    // AXFR (or IXFR answered in AXFR form): the zone is the records sent.
    private static ZoneBuilder BuildTransferred(ZoneConfig config, List<ResourceRecord> records, string source)
    {
        var builder = new ZoneBuilder(config.Name, config);
        foreach (var record in records)
        {
            builder.Add(record, source);
        }

        return builder;
    }

    // IXFR (RFC 1995 §4): the zone's data after the increments. Each increment must start at the serial reached so far;
    // its deletions then additions apply, its last SOA replaces the zone's. Each becomes a journal entry in `entries`.
    private ZoneBuilder ApplyIncrements(DomainName origin, Zone? current, List<JournalEntry> changes, string source, List<JournalEntry> entries)
    {
        if (current is null)
        {
            throw new DnsFormatException($"{source}: increments for zone {origin}, which this server does not hold yet");
        }

        var builder = ZoneBuilder.FromZone(current);
        var serial = current.Serial;
        foreach (var diff in changes)
        {
            if (diff.From != serial)
            {
                throw new DnsFormatException($"{source}: increment {diff.From} -> {diff.To} of {origin} does not start at serial {serial}");
            }

            // An out-of-zone record is not applied (as BIND); it also makes the refresh fall back to AXFR.
            if (diff.Deleted.Concat(diff.Added).FirstOrDefault(r => !r.Name.IsSubdomainOf(origin)) is { } outside)
            {
                throw new DnsFormatException($"{source}: increment {diff.From} -> {diff.To} of {origin} has out-of-zone data ({outside.Name} {outside.Type})");
            }

            foreach (var deleted in diff.Deleted.Where(r => r.Type != RecordType.SOA))
            {
                builder.Remove(deleted.Name, deleted.Type, deleted.Data);
            }

            foreach (var added in diff.Added.Where(r => r.Type != RecordType.SOA))
            {
                builder.AddForUpdate(added);
            }

            var soa = diff.Added.LastOrDefault(r => r.Type == RecordType.SOA)
                ?? throw new DnsFormatException($"{source}: increment {diff.From} -> {diff.To} of {origin} adds no SOA");
            builder.Remove(origin, RecordType.SOA, null);
            builder.AddForUpdate(soa);
            serial = diff.To;
            entries.Add(diff with { Time = _time.GetUtcNow(), Reason = $"transfer from {source}" });
        }

        return builder;
    }

    // A whole zone is written to the zone's file (durably) and starts a new journal; increments are journaled. Either way
    // the overlay this instance keeps on top is journaled after them when it changed.
    private void JournalTransfer(DomainName origin, string file, List<ResourceRecord>? full, Zone data, Dictionary<DomainName, OverlayEntry> wanted,
        List<JournalEntry> entries, string source)
    {
        if (!_journals.TryGetValue(origin, out var journal))
        {
            journal = new ZoneJournal(ZoneJournal.PathFor(file));
            _journals[origin] = journal;
        }

        if (full is not null)
        {
            var text = new System.Text.StringBuilder($"; zone {origin} serial {data.Serial}, transferred from {source} at {_time.GetUtcNow():O}\n");
            foreach (var record in full)
            {
                text.Append(record).Append('\n');
            }

            DurableFile.WriteAllText(file, text.ToString());
            DurableFile.Delete(journal.Path);
            if (wanted.Count > 0)
            {
                entries.Add(new JournalEntry(data.Serial, data.Serial, _time.GetUtcNow(), "overlay after transfer")
                {
                    Overlay = wanted.Values.Select(e => (e.Name, (OverlayEntry?)e)).ToList(),
                });
            }
        }
        else
        {
            var previous = _applied.GetValueOrDefault(origin) ?? [];
            var changes = wanted.Values.Where(e => !e.SameAs(previous.GetValueOrDefault(e.Name))).Select(e => (e.Name, (OverlayEntry?)e))
                .Concat(previous.Keys.Where(n => !wanted.ContainsKey(n)).Select(n => (n, (OverlayEntry?)null))).ToList();
            if (changes.Count > 0)
            {
                entries.Add(new JournalEntry(data.Serial, data.Serial, _time.GetUtcNow(), "overlay after transfer") { Overlay = changes });
            }
        }

        foreach (var entry in entries)
        {
            journal.Append(entry);
        }
    }

    /// <summary>Stops serving a secondary zone whose primaries have not answered for its SOA expire time (RFC 1035 §3.3.13).</summary>
    internal void Expire(DomainName origin)
    {
        lock (_gate)
        {
            _answerer.Publish(Zones.Without(origin));
        }
    }

    private void Commit(Zone previous, Zone next, JournalEntry entry, bool serveEvenIfNotJournaled = false)
    {
        if (_journals.TryGetValue(previous.Origin, out var journal))
        {
            try
            {
                journal.Append(entry);
            }
            catch (IOException e) when (serveEvenIfNotJournaled)
            {
                // A failover must happen even when the disk is full; only its persistence is lost.
                _logger.LogError("zone {Zone}: serving serial {Serial} but cannot journal it: {Error}", next.Origin, entry.To, e.Message);
            }
        }

        _answerer.Publish(Zones.With(next));
        _logger.LogInformation("zone {Zone}: serial {From} -> {To} ({Reason})", next.Origin, entry.From, entry.To, entry.Reason);
        Committed?.Invoke(next);
    }

    private static void SetSerial(ZoneBuilder builder, Zone zone, uint serial)
    {
        var soa = (SoaRecord)(builder.Get(zone.Origin, RecordType.SOA)?[0] ?? zone.Soa);
        var ttl = builder.TtlOf(zone.Origin, RecordType.SOA) ?? zone.SoaSet.Ttl;
        builder.Remove(zone.Origin, RecordType.SOA, null);
        builder.AddForUpdate(new ResourceRecord(zone.Origin, ttl, soa.WithSerial(serial)));
    }

    internal static Dictionary<byte[], RRset[]> Overrides(Zone zone, IEnumerable<OverlayEntry> entries)
    {
        var map = new Dictionary<byte[], RRset[]>(LowerWireComparer.Instance);
        foreach (var e in entries)
        {
            map[e.Name.ToLowerWire()] =
            [
                new RRset(e.Name, RecordType.A, e.Ttl, e.V4.Select(a => (RecordData)new ARecord(a)).ToArray()),
                new RRset(e.Name, RecordType.AAAA, e.Ttl, e.V6.Select(a => (RecordData)new AaaaRecord(a)).ToArray()),
            ];
        }

        return map;
    }
}
