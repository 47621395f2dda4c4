using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Kindling.Fuzz;

/// <summary>
/// One fuzz target: feeds arbitrary octets to a parser. Returning normally, or throwing an exception
/// <see cref="Expected"/> accepts (the parser's documented format error), is correct; any other exception, an
/// allocation above <see cref="MaxAllocatedBytes"/> for one input, or a broken invariant (thrown by the target as
/// <see cref="InvariantException"/>) is a finding to keep as a regression test.
/// </summary>
internal sealed record Target(string Name, string Parses, Action<byte[]> Run, Func<Exception, bool> Expected, IReadOnlyList<byte[]> Seeds,
    IReadOnlyList<string> Tokens, long MaxAllocatedBytes = 256L * 1024 * 1024);

/// <summary>A property of the parser's result that must hold for every input (e.g. a valid name has no '\n').</summary>
internal sealed class InvariantException(string message) : Exception(message);

/// <summary>
/// The mutational fuzzing loop shared by the fuzz projects made for issue 13 (seeds, byte edits, the target's tokens,
/// splices). Unlike a stop-at-first driver it keeps going after a finding and saves one input per distinct
/// finding (exception type and throwing frame), so a bounded run lists every crash it met.
/// </summary>
internal static class FuzzDriver
{
    public static int Run(string program, string[] args, IReadOnlyList<Target> targets)
    {
        if (args.Length == 0 || targets.All(t => t.Name != args[0]))
        {
            Console.Error.WriteLine($"usage: {program} TARGET [--seconds N] [--corpus DIR] | TARGET FILE...");
            foreach (var t in targets)
            {
                Console.Error.WriteLine($"  {t.Name,-14} {t.Parses}");
            }

            return 2;
        }

        var target = targets.Single(t => t.Name == args[0]);
        var rest = args.Skip(1).ToList();
        if (rest.Count > 0 && !rest[0].StartsWith("--", StringComparison.Ordinal))
        {
            var failed = 0;
            foreach (var file in rest)
            {
                var finding = Try(target, File.ReadAllBytes(file));
                failed += finding is null ? 0 : 1;
                Console.WriteLine($"{file}: {finding?.Text ?? "ok"}");
            }

            return failed == 0 ? 0 : 1;
        }

        var seconds = rest.IndexOf("--seconds") is var s and >= 0 ? int.Parse(rest[s + 1], CultureInfo.InvariantCulture) : 30;
        var corpus = new List<byte[]>(target.Seeds);
        if (rest.IndexOf("--corpus") is var c and >= 0)
        {
            corpus.AddRange(Directory.GetFiles(rest[c + 1]).Select(File.ReadAllBytes));
        }

        foreach (var seed in target.Seeds)
        {
            if (Try(target, seed) is { } bad)
            {
                Console.Error.WriteLine($"{target.Name}: a seed fails: {bad.Text}");
            }
        }

        var crashes = Path.Combine(AppContext.BaseDirectory, "crashes");
        Directory.CreateDirectory(crashes);
        // Written before every run: if the process dies (stack overflow cannot be caught), this is the input that did it.
        var lastPath = Path.Combine(crashes, $"{target.Name}-last-input.bin");
        using var last = File.OpenHandle(lastPath, FileMode.Create, FileAccess.Write);
        var random = new Random(Environment.TickCount);
        var findings = new Dictionary<string, string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        long runs = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var input = Mutate(corpus[random.Next(corpus.Count)], corpus, target.Tokens, random);
            runs++;
            Remember(last, input);
            if (Try(target, input) is { } finding)
            {
                if (findings.TryAdd(finding.Signature, ""))
                {
                    var path = Path.Combine(crashes, $"{target.Name}-{Convert.ToHexString(SHA256.HashData(input))[..16]}.bin");
                    File.WriteAllBytes(path, input);
                    findings[finding.Signature] = path;
                    Console.Error.WriteLine($"{target.Name}: finding {findings.Count}: {finding.Text}\ninput ({input.Length} bytes) saved to {path}\nbase64: {Convert.ToBase64String(input)}\n");
                }

                continue;
            }

            if (runs % 64 == 0 && input.Length < 8192)
            {
                corpus.Add(input); // keep some mutants so later mutations go deeper
                if (corpus.Count > 4096)
                {
                    corpus.RemoveAt(target.Seeds.Count + random.Next(corpus.Count - target.Seeds.Count));
                }
            }
        }

        Remember(last, []);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name}: {runs} inputs in {clock.Elapsed.TotalSeconds:0} s ({runs / Math.Max(1, clock.Elapsed.TotalSeconds):0}/s), {findings.Count} distinct finding(s)"));
        foreach (var (signature, path) in findings)
        {
            Console.WriteLine($"  {signature}  ->  {path}");
        }

        return findings.Count == 0 ? 0 : 1;
    }

    private sealed record Finding(string Signature, string Text);

    private static Finding? Try(Target target, byte[] input)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            target.Run(input);
        }
        catch (Exception e) when (e is not InvariantException && target.Expected(e))
        {
        }
        catch (Exception e)
        {
            var frame = new StackTrace(e).GetFrames().FirstOrDefault(f => f.GetMethod() is not null)?.GetMethod();
            var where = frame is null ? "?" : $"{frame.DeclaringType?.Name}.{frame.Name}";
            return new Finding(e is InvariantException ? $"invariant: {e.Message}" : $"{e.GetType().Name} at {where}", e.ToString());
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return allocated > target.MaxAllocatedBytes
            ? new Finding("allocation", $"one input of {input.Length} bytes allocated {allocated / (1024 * 1024)} MiB (limit {target.MaxAllocatedBytes / (1024 * 1024)} MiB)")
            : null;
    }

    private static void Remember(SafeFileHandle file, byte[] input)
    {
        RandomAccess.SetLength(file, input.Length);
        RandomAccess.Write(file, input, 0);
    }

    private static byte[] Mutate(byte[] seed, List<byte[]> corpus, IReadOnlyList<string> tokens, Random random)
    {
        var data = new List<byte>(seed);
        var steps = 1 + random.Next(6);
        for (var i = 0; i < steps; i++)
        {
            var position = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(9))
            {
                case 0 when data.Count > 0:
                    data[position] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[position] = (byte)random.Next(256);
                    break;
                case 2:
                    data.Insert(position, (byte)random.Next(256));
                    break;
                case 3 when data.Count > 0:
                    data.RemoveRange(position, 1 + random.Next(Math.Min(32, data.Count - position)));
                    break;
                case 4 when tokens.Count > 0:
                    data.InsertRange(position, Encoding.UTF8.GetBytes(tokens[random.Next(tokens.Count)]));
                    break;
                case 5 when tokens.Count > 0 && data.Count > 0:
                    // Overwrite with a token (replaces a field value or keyword in place).
                    var token = Encoding.UTF8.GetBytes(tokens[random.Next(tokens.Count)]);
                    data.RemoveRange(position, Math.Min(token.Length, data.Count - position));
                    data.InsertRange(position, token);
                    break;
                case 6 when data.Count > 1:
                    // Duplicate a slice (repeated fields, parts, nesting).
                    var from = random.Next(data.Count);
                    var slice = data.GetRange(from, 1 + random.Next(Math.Min(64, data.Count - from)));
                    data.InsertRange(random.Next(data.Count + 1), slice);
                    break;
                case 7 when data.Count > 1:
                    data.RemoveRange(position, data.Count - position); // truncate
                    break;
                default:
                    var other = corpus[random.Next(corpus.Count)];
                    var start = other.Length == 0 ? 0 : random.Next(other.Length);
                    data.InsertRange(position, other.Skip(start).Take(1 + random.Next(32)));
                    break;
            }
        }

        return [.. data];
    }
}
