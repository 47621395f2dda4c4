using System.Diagnostics;
using System.Security.Cryptography;
using Kindling.Dns.Fuzz;

// Usage:
//   dotnet run -c Release --project fuzz/Kindling.Dns.Fuzz -- TARGET [--seconds N] [--corpus DIR]   mutational fuzzing
//   dotnet run -c Release --project fuzz/Kindling.Dns.Fuzz -- TARGET FILE...                           replay inputs
// Targets: message, zone, namedconf, query. A failing input is saved under fuzz/crashes/ and the exit code is 1;
// copy it into a regression test.
if (args.Length == 0 || Targets.All.All(t => t.Name != args[0]))
{
    Console.Error.WriteLine($"usage: Kindling.Dns.Fuzz {{{string.Join('|', Targets.All.Select(t => t.Name))}}} [--seconds N] [--corpus DIR] | FILE...");
    return 2;
}

var target = Targets.All.Single(t => t.Name == args[0]);
var rest = args.Skip(1).ToList();
if (rest.Count > 0 && !rest[0].StartsWith("--", StringComparison.Ordinal))
{
    var failed = 0;
    foreach (var file in rest)
    {
        failed += Try(target, File.ReadAllBytes(file), out var error) ? 0 : 1;
        Console.WriteLine($"{file}: {error ?? "ok"}");
    }

    return failed == 0 ? 0 : 1;
}

var seconds = rest.IndexOf("--seconds") is var s and >= 0 ? int.Parse(rest[s + 1], System.Globalization.CultureInfo.InvariantCulture) : 30;
var corpus = new List<byte[]>(target.Seeds);
if (rest.IndexOf("--corpus") is var c and >= 0)
{
    corpus.AddRange(Directory.GetFiles(rest[c + 1]).Select(File.ReadAllBytes));
}

var random = new Random(Environment.TickCount);
var clock = Stopwatch.StartNew();
long runs = 0;
while (clock.Elapsed.TotalSeconds < seconds)
{
    var input = Mutate(corpus[random.Next(corpus.Count)], corpus, random);
    runs++;
    if (!Try(target, input, out var error))
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "crashes");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{target.Name}-{Convert.ToHexString(SHA256.HashData(input))[..16]}.bin");
        File.WriteAllBytes(path, input);
        Console.Error.WriteLine($"{target.Name}: {error}\ninput saved to {path}");
        return 1;
    }

    if (runs % 64 == 0 && input.Length < 4096)
    {
        corpus.Add(input); // keep some mutants so later mutations go deeper
        if (corpus.Count > 4096)
        {
            corpus.RemoveAt(target.Seeds.Count + random.Next(corpus.Count - target.Seeds.Count));
        }
    }
}

Console.WriteLine($"{target.Name}: {runs:N0} inputs in {seconds} s, no failure");
return 0;

static bool Try(Target target, byte[] input, out string? error)
{
    try
    {
        target.Run(input);
        error = null;
        return true;
    }
    catch (Exception e) when (target.Expected(e))
    {
        error = "format error: " + e.Message;
        return true;
    }
    catch (Exception e)
    {
        error = e.ToString();
        return false;
    }
}

static byte[] Mutate(byte[] seed, List<byte[]> corpus, Random random)
{
    var data = new List<byte>(seed);
    var steps = 1 + random.Next(4);
    for (var i = 0; i < steps; i++)
    {
        var position = data.Count == 0 ? 0 : random.Next(data.Count);
        switch (random.Next(6))
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
                data.RemoveAt(position);
                break;
            case 4 when data.Count > 0:
                data[position] = (byte)(random.Next(2) == 0 ? 0xC0 : 0x3F); // compression pointers and long labels
                break;
            default:
                var other = corpus[random.Next(corpus.Count)];
                var start = other.Length == 0 ? 0 : random.Next(other.Length);
                data.InsertRange(position, other.Skip(start).Take(random.Next(16)));
                break;
        }
    }

    return [.. data];
}
