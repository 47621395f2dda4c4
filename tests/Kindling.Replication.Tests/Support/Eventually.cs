namespace Kindling.Replication.Tests.Support;

/// <summary>Polls a condition a background process is expected to reach (replication rounds), failing with the last state after a deadline.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not reached within {timeout.TotalSeconds:0} s: {await describe()}");
            }

            await Task.Delay(250);
        }
    }
}
