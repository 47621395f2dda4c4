namespace Kindling.Replication.Transfer;

/// <summary>
/// The one retry rule of a content transfer (a blob, an object): a <see cref="ReplicationException"/> (a dropped
/// connection, an error answer) is tried once more; corrupt content (<see cref="CorruptContentException"/>) and
/// cancellation are never retried.
/// </summary>
internal static class TransferRetry
{
    /// <summary>How many times a transfer is tried in all.</summary>
    public const int Attempts = 2;

    public static async Task RunAsync(Func<CancellationToken, Task> transfer, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await transfer(cancellationToken);
                return;
            }
            catch (ReplicationException) when (attempt < Attempts && !cancellationToken.IsCancellationRequested)
            {
                // Tried again: the stream is opened anew, so nothing of the failed attempt is reused.
            }
        }
    }
}
