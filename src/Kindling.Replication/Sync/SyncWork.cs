using Kindling.Artifacts.Content;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Sync;

/// <summary>Runs a sync step over many items, <see cref="SyncOptions.Parallel"/> at once; a failure is recorded against its item and the rest go on.</summary>
internal static class SyncWork
{
    public static Task ForEachAsync<T>(IEnumerable<T> items, ContentKind kind, Func<T, string> name, Func<T, CancellationToken, Task> body,
        SyncOptions options, SyncTally tally, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallel), CancellationToken = cancellationToken },
            async (item, token) =>
            {
                try
                {
                    await body(item, token);
                }
                catch (Exception e) when (e is ReplicationException or CorruptContentException)
                {
                    tally.Fail(kind, name(item), e.Message);
                }
            });
}
