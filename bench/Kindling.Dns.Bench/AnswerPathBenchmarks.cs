using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Kindling.Dns.Server.Answering;

namespace Kindling.Dns.Bench;

/// <summary>
/// One UDP query answered into a response buffer, as a listener thread does (no send): parse, zone lookup, answer
/// build and compression, or the per-version precomputed answer with ID and question case patched. <c>Cached=false</c>
/// runs with an answer cache of capacity 0, so every query builds its answer (what a name seen for the first time in a
/// zone version costs).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Quick))]
public class AnswerPathBenchmarks
{
    private readonly byte[] _response = new byte[8192];
    private QueryAnswerer _answerer = null!;
    private byte[] _query = null!;

    [ParamsSource(nameof(Kinds))]
    public string Kind { get; set; } = "A";

    [Params(true, false)]
    public bool Cached { get; set; }

    [Params(false, true)]
    public bool Edns { get; set; }

    public static IEnumerable<string> Kinds => BenchZone.Kinds;

    [GlobalSetup]
    public void Setup()
    {
        _answerer = Cached ? new QueryAnswerer(BenchZone.Load()) : new QueryAnswerer(BenchZone.Load(), cacheCapacity: 0);
        _query = BenchZone.Query(Kind, Edns);
        if (_answerer.Answer(_query, _response, tcp: false, out _) != AnswerOutcome.Respond)
        {
            throw new InvalidOperationException($"bench: the {Kind} query got no response");
        }
    }

    [Benchmark]
    public int Answer()
    {
        _answerer.Answer(_query, _response, tcp: false, out var length);
        return length;
    }

    /// <summary>ShortRun in process: a quick, indicative look (the machine is shared); allocations are exact either way.</summary>
    private sealed class Quick : ManualConfig
    {
        public Quick() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }
}
