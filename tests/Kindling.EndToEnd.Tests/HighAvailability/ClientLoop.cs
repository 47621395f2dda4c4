using System.Diagnostics;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// A client in one of the lab's namespaces repeating requests in the background (<see cref="ClientLoad"/>,
/// <see cref="CtrLoad"/>, <see cref="DnfLoad"/>): the loop runs on the thread pool from <see cref="StartLoop"/>,
/// keeps every request with its times on the test's clock, and stops when disposed, after the request in flight (a
/// request is never cut short, so every failure kept is the system's, not the test's). Disposing twice is safe: a
/// test stops the loop before reading the results, and <c>await using</c> disposes it again.
/// </summary>
internal abstract class ClientLoop(NetworkLab lab, string host, Stopwatch clock) : IAsyncDisposable
{
    private readonly List<ClientRequest> _requests = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _disposed;

    /// <summary>The requests done so far, oldest first (a copy).</summary>
    public IReadOnlyList<ClientRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> requests began at or after <paramref name="since"/> (seconds on
    /// the test's clock), or <paramref name="timeout"/> passed; the caller then asserts the count. A test that needs
    /// enough requests in a window to tell waits for them instead of for a fixed time, so a loaded machine (slower
    /// requests) makes it slower, not red: a rate is not what it asserts.
    /// </summary>
    public async Task WaitForRequestsAsync(double since, int count, TimeSpan timeout)
    {
        var deadline = Now + timeout.TotalSeconds;
        while (Requests.Count(r => r.Start >= since) < count && Now < deadline && !Stopping)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>True once the loop was asked to stop; <see cref="LoopAsync"/> returns at its next check.</summary>
    protected bool Stopping => _stop.IsCancellationRequested;

    /// <summary>Now on the test's clock, in seconds.</summary>
    protected double Now => clock.Elapsed.TotalSeconds;

    /// <summary>The requests, one after the other, until <see cref="Stopping"/>; each one <see cref="Record"/>ed.</summary>
    protected abstract Task LoopAsync();

    protected void StartLoop() => _loop = Task.Run(LoopAsync);

    protected void Record(ClientRequest request)
    {
        lock (_requests)
        {
            _requests.Add(request);
        }
    }

    /// <summary>Runs <paramref name="file"/> in the client's namespace; running past <paramref name="timeout"/> is a failed result (exit -1), not an exception.</summary>
    protected async Task<ProcessResult> RunAsync(string file, string[] args, TimeSpan? timeout, IDictionary<string, string>? env = null)
    {
        try
        {
            return await lab.RunAsync(host, file, args, timeout, env);
        }
        catch (TimeoutException e)
        {
            return new ProcessResult(-1, "", e.Message);
        }
    }

    /// <summary>Stops the loop after the request in flight and waits for it; safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }
}
