using System.Security.Cryptography;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Storage;
using Kindling.Installer.Package;

namespace Kindling.Installer.Import;

/// <summary>What a file or chart import did.</summary>
internal sealed record ContentReport(int Added, int Changed, int Unchanged, long BytesWritten)
{
    public override string ToString() => $"{Added} added, {Changed} changed, {Unchanged} unchanged ({BytesWritten / (1024.0 * 1024):0.0} MiB written)";
}

/// <summary>
/// Puts package files into bucket <c>kubean</c> of the node's file store at their original host paths, writing only
/// what is new or different (same size and MD5: left alone), each object written to a temporary file, fsynced and
/// renamed over its key, so a rerun writes nothing and an interrupted run leaves whole files only.
/// </summary>
internal sealed class FileImporter(FileStore store)
{
    private const long CompareInMemoryLimit = 64L * 1024 * 1024;

    public Action<long>? BytesRead { get; init; }

    public async Task<ContentReport> ImportAsync(IEnumerable<PackageFileEntry> entries, CancellationToken cancellationToken)
    {
        int added = 0, changed = 0, unchanged = 0;
        long written = 0;
        store.CreateBucket(FileStore.PublicBucket);
        foreach (var entry in entries)
        {
            var existing = store.Find(FileStore.PublicBucket, entry.Key);
            await using var stream = entry.OpenRead();
            if (existing is null || existing.Size != entry.Length)
            {
                await PutAsync(entry, stream, cancellationToken);
                written += entry.Length;
                _ = existing is null ? added++ : changed++;
            }
            else if (entry.Length <= CompareInMemoryLimit)
            {
                var content = new byte[entry.Length];
                await stream.ReadExactlyAsync(content, cancellationToken);
#pragma warning disable CA5351 // MD5 is the store's ETag (as S3's), an identity check, not a security control
                var md5 = Convert.ToHexStringLower(MD5.HashData(content));
#pragma warning restore CA5351
                if (md5 == store.Md5Of(existing))
                {
                    unchanged++;
                }
                else
                {
                    await PutAsync(entry, new MemoryStream(content), cancellationToken);
                    written += entry.Length;
                    changed++;
                }
            }
            else
            {
                // Too large to hold for a comparison: rewrite it, and tell from the digests whether it changed.
                var before = store.Md5Of(existing);
                var after = await PutAsync(entry, stream, cancellationToken);
                written += entry.Length;
                _ = after.Md5 == before ? unchanged++ : changed++;
            }

            BytesRead?.Invoke(entry.Length);
        }

        return new ContentReport(added, changed, unchanged, written);
    }

    private async Task<FileObject> PutAsync(PackageFileEntry entry, Stream content, CancellationToken cancellationToken)
    {
        try
        {
            return await store.PutAsync(FileStore.PublicBucket, entry.Key, content, expectedSha256: null, cancellationToken);
        }
        catch (StorageFullException e)
        {
            throw new InstallerException($"importing {entry.Source} as {FileStore.PublicBucket}/{entry.Key}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
        {
            throw new InstallerException($"{entry.Source}: cannot store it as {FileStore.PublicBucket}/{entry.Key}: {e.Message} (nothing of it was kept)");
        }
    }
}
