using BenchmarkDotNet.Running;
using Kindling.Dns.Bench;

BenchmarkSwitcher.FromAssembly(typeof(AnswerPathBenchmarks).Assembly).Run(args);
