using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Drain;

/// <summary>
/// The node process's lifetime in place of the console lifetime: SIGTERM (systemd stop, <c>kindling node stop</c>,
/// the supervisor) drains first, as <c>kindling node drain</c> does, and stops once drained or at the drain timeout;
/// Kestrel then lets in-flight requests finish. SIGINT and SIGQUIT stop at once (Ctrl+C on a terminal).
/// </summary>
internal sealed class DrainingLifetime(IHostApplicationLifetime application, NodeDrain drain, TimeSpan timeout, ILogger logger, TimeProvider time) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _terminating;

    /// <summary>The drain started by SIGTERM; <see cref="StopAsync"/> awaits it, so it never outlives the host.</summary>
    private Task _draining = Task.CompletedTask;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            if (Interlocked.Exchange(ref _terminating, 1) == 0)
            {
                Volatile.Write(ref _draining, Task.Run(DrainThenStopAsync, CancellationToken.None));
            }
        }));
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                application.StopApplication();
            }));
        }

        return Task.CompletedTask;
    }

    private async Task DrainThenStopAsync()
    {
        try
        {
            Log.Terminating(logger, drain.Quiet.TotalSeconds, timeout.TotalSeconds);
            drain.Start();
            var started = time.GetTimestamp();
            var status = drain.Status();
            while (status.State != DrainState.Drained && time.GetElapsedTime(started) < timeout && !application.ApplicationStopping.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, CancellationToken.None);
                status = drain.Status();
            }

            Log.Stopping(logger, status.State == DrainState.Drained ? "complete" : "timed out", status.Draining.TotalSeconds, status.Requests, status.InFlight);
        }
        finally
        {
            application.StopApplication();
        }
    }

    /// <summary>
    /// Waits for a drain in progress to end: the host is stopping, so its loop ends within a poll (100 ms) and stops
    /// nothing more; <paramref name="cancellationToken"/> (the host's shutdown timeout) bounds the wait.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _draining).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
