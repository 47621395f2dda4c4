using Kindling.Artifacts.Maintenance;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Drain;

/// <summary>
/// The node's own garbage collection every <c>--gc-interval</c> (first one interval after start, so a start stays
/// quick), with the schedule's grace; a failure is logged and the next run comes on time.
/// </summary>
internal sealed class CollectionSchedule : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public CollectionSchedule(NodeStore store, TimeSpan interval, TimeSpan grace, ILogger logger) =>
        _loop = RunAsync(store, interval, grace, logger, _stop.Token);

    private static async Task RunAsync(NodeStore store, TimeSpan interval, TimeSpan grace, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    var report = await Task.Run(() => GarbageCollector.Collect(store, new GcOptions { Grace = grace }), cancellationToken);
                    Log.Collected(logger, report.Summary());
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Log.CollectionFailed(logger, interval.TotalHours, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
