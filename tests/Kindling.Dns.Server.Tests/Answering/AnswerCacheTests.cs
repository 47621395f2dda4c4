using System.Text;
using Kindling.Dns.Server.Answering;

namespace Kindling.Dns.Server.Tests.Answering;

/// <summary>
/// The flat answer cache (issue 14): every stored answer comes back byte for byte under its own key after the slot table
/// has grown and entries spread over several chunks, keys differing only in their last octet stay apart, the capacity
/// bound holds, a second add of a key keeps the first answer, and readers racing a writer see only complete answers.
/// </summary>
public class AnswerCacheTests
{
    private static byte[] Key(int i) => Encoding.ASCII.GetBytes($"\u0000\u0000\u0001\u0000\u0001\u0004host{i}\u0004test\u0000");

    private static byte[] Answer(int i, int size)
    {
        var answer = new byte[size];
        for (var j = 0; j < size; j++)
        {
            answer[j] = (byte)(i * 31 + j);
        }

        return answer;
    }

    [Fact]
    public void TryGet_AfterGrowthAndManyChunks_ReturnsEachAnswerUnderItsKey()
    {
        var cache = new AnswerCache(20_000);
        for (var i = 0; i < 20_000; i++)
        {
            cache.Add(Key(i), Answer(i, 20 + (i % 300)));
        }

        Assert.Equal(20_000, cache.Count);
        for (var i = 0; i < 20_000; i++)
        {
            Assert.True(cache.TryGet(Key(i), out var answer), $"key {i} missing");
            Assert.Equal(Answer(i, 20 + (i % 300)), answer.ToArray());
        }

        Assert.False(cache.TryGet(Key(20_000), out _));
        Assert.False(cache.TryGet(Key(1).AsSpan(0, Key(1).Length - 1), out _));
    }

    [Fact]
    public void Add_LargestAnswer_IsStoredWhole()
    {
        var cache = new AnswerCache(10);
        cache.Add(Key(1), Answer(1, 100));
        cache.Add(Key(2), Answer(2, ushort.MaxValue));
        cache.Add(Key(3), Answer(3, 100));

        Assert.True(cache.TryGet(Key(2), out var large));
        Assert.Equal(Answer(2, ushort.MaxValue), large.ToArray());
        Assert.True(cache.TryGet(Key(3), out var after));
        Assert.Equal(Answer(3, 100), after.ToArray());
    }

    [Fact]
    public void Add_BeyondCapacity_IsIgnored()
    {
        var cache = new AnswerCache(3);
        for (var i = 0; i < 5; i++)
        {
            cache.Add(Key(i), Answer(i, 40));
        }

        Assert.Equal(3, cache.Count);
        Assert.True(cache.TryGet(Key(2), out _));
        Assert.False(cache.TryGet(Key(3), out _));
        Assert.False(new AnswerCache(0).TryGet(Key(0), out _));
    }

    [Fact]
    public void Add_SameKeyTwice_KeepsTheFirstAnswer()
    {
        var cache = new AnswerCache(10);
        cache.Add(Key(7), Answer(1, 50));
        cache.Add(Key(7), Answer(2, 60));

        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet(Key(7), out var answer));
        Assert.Equal(Answer(1, 50), answer.ToArray());
    }

    [Fact]
    public async Task TryGet_WhileAnotherThreadAdds_SeesMissesOrCompleteAnswers()
    {
        var cache = new AnswerCache(30_000);
        var done = 0;
        var bad = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (Volatile.Read(ref done) == 0)
            {
                for (var i = 0; i < 30_000; i += 97)
                {
                    if (cache.TryGet(Key(i), out var answer) && !answer.SequenceEqual(Answer(i, 30 + (i % 200))))
                    {
                        Interlocked.Increment(ref bad);
                    }
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();

        for (var i = 0; i < 30_000; i++)
        {
            cache.Add(Key(i), Answer(i, 30 + (i % 200)));
        }

        Volatile.Write(ref done, 1);
        await Task.WhenAll(readers);
        Assert.Equal(0, bad);
        Assert.Equal(30_000, cache.Count);
    }
}
