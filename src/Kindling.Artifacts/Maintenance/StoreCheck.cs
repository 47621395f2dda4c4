using System.Diagnostics;
using System.Text;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Maintenance;

/// <summary>
/// <c>kindling node fsck</c>: checks a node's store on disk (not the in-memory view, which skips what it cannot
/// load): every blob against its digest, every tag, manifest revision and blob link against what it names, every
/// chart link against its archive; lists unreferenced blobs and what interrupted writes left. With repair, a
/// damaged blob is moved to <c>store/quarantine/</c> (never deleted) and every link naming it or naming something
/// missing is removed — tags included, so the next replication round from the peer sees the image missing and
/// copies a good one; a blob a manifest names but its repository lacks a link to is linked again.
/// File-store objects carry no recorded digest (their ETag is the MD5 of their bytes, computed when read), so
/// their bit rot is found by <c>kindling verify</c> against the peer, not here.
/// </summary>
public static partial class StoreCheck
{
    public static FsckReport Check(NodeStore store, FsckOptions options, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var started = Stopwatch.GetTimestamp();
        var now = time.GetUtcNow().UtcDateTime;
        var pass = new Pass(store, options);

        // 1. Blobs: every file hashed (in parallel: this is the slow part), strays set aside.
        pass.HashBlobs();

        // 2. The registry, as the files on disk say.
        foreach (var name in RepositoryNamesOnDisk(store.Registry.Directory))
        {
            pass.CheckRepository(name);
        }

        // 3. Chart links.
        foreach (var file in Directory.EnumerateFiles(store.Charts.Directory, "*.json", SearchOption.AllDirectories))
        {
            pass.CheckChartLink(file);
        }

        pass.ReportDamagedBlobs();

        // 4. Unreferenced blobs (garbage collection's business) and leftovers of interrupted writes.
        pass.ReportUnreferencedBlobs();
        Leftovers(store, options, now, pass.Findings, pass.Actions);

        if (options.Repair)
        {
            // The gate keeps a collection from running between the decisions and their removals.
            using var exclusive = store.Blobs.Gate.EnterExclusive();
            foreach (var action in pass.Actions)
            {
                action();
            }
        }

        return new FsckReport
        {
            Repair = options.Repair,
            Findings = pass.Findings,
            BlobsChecked = pass.BlobsChecked,
            ManifestsChecked = pass.ManifestsChecked,
            TagsChecked = pass.TagsChecked,
            ChartsChecked = pass.ChartsChecked,
            Duration = Stopwatch.GetElapsedTime(started),
        };
    }

    private static void Leftovers(NodeStore store, FsckOptions options, DateTime now, List<FsckFinding> findings, List<Action> actions)
    {
        foreach (var entry in new DirectoryInfo(store.Blobs.TempDirectory).EnumerateFileSystemInfos())
        {
            if (now - entry.LastWriteTimeUtc >= options.TemporaryAge)
            {
                findings.Add(new FsckFinding(FsckKind.Leftover, Relative(store, entry.FullName), "temporary file of an interrupted write") { Repair = options.Repair ? "removed" : null });
                actions.Add(() => Remove(entry.FullName));
            }
        }

        var limits = store.Uploads.Limits;
        foreach (var folder in new DirectoryInfo(store.Uploads.Directory).EnumerateDirectories())
        {
            var data = new FileInfo(Path.Combine(folder.FullName, "data"));
            var owner = Path.Combine(folder.FullName, "repository");
            var last = data.Exists && data.LastWriteTimeUtc > folder.LastWriteTimeUtc ? data.LastWriteTimeUtc : folder.LastWriteTimeUtc;
            var limit = data.Exists && data.Length > 0 ? limits.IdleLimit : limits.EmptyIdleLimit;
            var why = !File.Exists(owner) && now - folder.LastWriteTimeUtc >= options.TemporaryAge ? "upload session without its repository file (interrupted as it started)"
                : now - last > limit ? $"upload session idle for more than {limit.TotalHours:0.##} h"
                : null;
            if (why is not null)
            {
                findings.Add(new FsckFinding(FsckKind.Leftover, Relative(store, folder.FullName), why) { Repair = options.Repair ? "removed" : null });
                actions.Add(() => Remove(folder.FullName));
            }
        }

        foreach (var folder in new DirectoryInfo(store.Files.Multipart.Directory).EnumerateDirectories())
        {
            if (now - folder.LastWriteTimeUtc > MultipartUploads.Expiry)
            {
                findings.Add(new FsckFinding(FsckKind.Leftover, Relative(store, folder.FullName), $"multipart upload older than {MultipartUploads.Expiry.TotalDays:0} days")
                {
                    Repair = options.Repair ? "removed" : null,
                });
                actions.Add(() => Remove(folder.FullName));
            }
        }
    }

    /// <summary>Repository names as the folders say: a folder holding <c>_manifests</c> or <c>_layers</c>, with a valid name.</summary>
    private static SortedSet<string> RepositoryNamesOnDisk(string root)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var folder in new DirectoryInfo(root).EnumerateDirectories("*", SearchOption.AllDirectories))
        {
            if (folder.Name is "_manifests" or "_layers" && folder.Parent is { } parent)
            {
                var name = Path.GetRelativePath(root, parent.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (RepositoryNames.IsValidName(name))
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }

    private static HashSet<Digest> DigestsIn(string folder)
    {
        var digests = new HashSet<Digest>();
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                if (Digest.TryParse(Digest.Algorithm + ":" + Path.GetFileName(file), out var digest, out _))
                {
                    digests.Add(digest.Value);
                }
            }
        }

        return digests;
    }

    private static void RemoveLink(RegistryStore registry, Repository repository, Digest digest)
    {
        if (!registry.RemoveBlobLink(repository, digest))
        {
            DurableFile.Delete(repository.LayerPath(digest));
        }
    }

    private static void RemoveChart(NodeStore store, string name, string version, string file)
    {
        if (!store.Charts.Delete(name.Replace(Path.DirectorySeparatorChar, '/'), version))
        {
            DurableFile.Delete(file);
        }
    }

    private static void MoveInto(string path, string folder)
    {
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, Path.GetFileName(path));
        for (var n = 1; File.Exists(target); n++)
        {
            target = Path.Combine(folder, $"{Path.GetFileName(path)}.{n}");
        }

        File.Move(path, target);
    }

    private static void Remove(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            DurableFile.TryDelete(path);
        }
    }

    private static string ReadText(string path) => Encoding.UTF8.GetString(File.ReadAllBytes(path)).Trim();

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private static string Relative(NodeStore store, string path) => Path.GetRelativePath(store.DataDirectory, path);
}
