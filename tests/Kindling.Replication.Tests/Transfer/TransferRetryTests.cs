using Kindling.Replication.Transfer;

namespace Kindling.Replication.Tests.Transfer;

/// <summary>Issue 19: the one retry rule of blob and object transfers.</summary>
public class TransferRetryTests
{
    [Fact]
    public async Task DroppedTransfer_IsTriedOnceMore()
    {
        var calls = 0;
        await TransferRetry.RunAsync(_ => ++calls == 1 ? throw new ReplicationException("dropped") : Task.CompletedTask, TestContext.Current.CancellationToken);

        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task FailingEveryTime_GivesUpAfterTheAttempts_WithTheLastError()
    {
        var calls = 0;
        var error = await Assert.ThrowsAsync<ReplicationException>(() =>
            TransferRetry.RunAsync(_ => throw new ReplicationException($"attempt {++calls}"), TestContext.Current.CancellationToken));

        Assert.Equal(TransferRetry.Attempts, calls);
        Assert.Equal($"attempt {TransferRetry.Attempts}", error.Message);
    }

    [Fact]
    public async Task CorruptContent_IsNeverRetried()
    {
        var calls = 0;
        await Assert.ThrowsAsync<CorruptContentException>(() =>
            TransferRetry.RunAsync(_ => { calls++; throw new CorruptContentException("bad digest"); }, TestContext.Current.CancellationToken));

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Cancelled_IsNotRetried()
    {
        using var cancel = new CancellationTokenSource();
        var calls = 0;
        await Assert.ThrowsAsync<ReplicationException>(() => TransferRetry.RunAsync(_ =>
        {
            calls++;
            cancel.Cancel();
            throw new ReplicationException("dropped while stopping");
        }, cancel.Token));

        Assert.Equal(1, calls);
    }
}
