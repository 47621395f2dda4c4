using Kindling.Dns.Server.Zones;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Zones;

/// <summary>The zone journal on a real full file system (a small tmpfs): a failed append leaves no partial entry behind.</summary>
public class ZoneJournalDiskFullTests
{
    private static readonly DomainName Origin = DomainName.Parse("tinder-node-server.com.");

    [Fact]
    public void Append_OnAFullDisk_IsCutBack_SoLaterEntriesStillRead()
    {
        using var disk = SmallFileSystem.Mount(1024 * 1024);
        var journal = new ZoneJournal(Path.Combine(disk.Path, "zone.db.kjnl"));
        var now = DateTimeOffset.UnixEpoch;
        journal.Append(new JournalEntry(1, 2, now, "update key k1 from 127.0.0.1"));
        var before = new FileInfo(journal.Path).Length;
        disk.Fill(0);

        // Larger than what is left in the file's last page, so the kernel must find a new one.
        var e = Assert.Throws<IOException>(() => journal.Append(new JournalEntry(2, 3, now, new string('x', 64 * 1024))));

        Assert.Equal(28, e.HResult);
        Assert.Contains("no space left on device", e.Message, StringComparison.Ordinal);
        Assert.Contains(journal.Path, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, new FileInfo(journal.Path).Length);

        disk.Free();
        journal.Append(new JournalEntry(2, 3, now, "update after freeing space"));
        var entries = journal.Read(Origin);
        Assert.Equal([(1u, 2u), (2u, 3u)], entries.Select(x => (x.From, x.To)));
        Assert.Equal("update after freeing space", entries[1].Reason);
    }
}
