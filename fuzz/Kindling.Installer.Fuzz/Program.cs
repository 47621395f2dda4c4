using System.Diagnostics;
using System.Security.Cryptography;
using Kindling.Installer.Fuzz;

// Usage:
//   dotnet run -c Release --project fuzz/Kindling.Installer.Fuzz -- TARGET [--seconds N]   mutational fuzzing
//   dotnet run -c Release --project fuzz/Kindling.Installer.Fuzz -- TARGET FILE...         replay inputs
// Targets: tar, chart, chartyaml, ocijson, iso, ospkgs. A run must report problems, never throw: a throwing input is
// saved under crashes/ beside the binary and the exit code is 1; turn it into a regression test.
if (args.Length == 0 || Targets.All.All(t => t.Name != args[0]))
{
    Console.Error.WriteLine($"usage: Kindling.Installer.Fuzz {{{string.Join('|', Targets.All.Select(t => t.Name))}}} [--seconds N] | FILE...");
    return 2;
}

var target = Targets.All.Single(t => t.Name == args[0]);
var rest = args.Skip(1).ToList();
if (rest.Count > 0 && !rest[0].StartsWith("--", StringComparison.Ordinal))
{
    var failed = 0;
    foreach (var file in rest)
    {
        var error = Try(target, File.ReadAllBytes(file));
        failed += error is null ? 0 : 1;
        Console.WriteLine($"{file}: {error ?? "ok"}");
    }

    return failed == 0 ? 0 : 1;
}

var seconds = rest.IndexOf("--seconds") is var s and >= 0 ? int.Parse(rest[s + 1], System.Globalization.CultureInfo.InvariantCulture) : 30;
var corpus = new List<byte[]>(target.Seeds);
var random = new Random(Environment.TickCount);
var clock = Stopwatch.StartNew();
long runs = 0;
while (clock.Elapsed.TotalSeconds < seconds)
{
    var input = Mutate(corpus[random.Next(corpus.Count)], random);
    runs++;
    if (Try(target, input) is { } error)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "crashes");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{target.Name}-{Convert.ToHexString(SHA256.HashData(input))[..16]}.bin");
        File.WriteAllBytes(path, input);
        Console.Error.WriteLine($"{target.Name}: {error}\ninput saved to {path}");
        return 1;
    }

    if (runs % 32 == 0 && corpus.Count < 2048)
    {
        corpus.Add(input);
    }
}

Console.WriteLine($"{target.Name}: {runs} runs in {seconds} s, no exception");
return 0;

static string? Try(Target target, byte[] input)
{
    try
    {
        target.Run(input);
        return null;
    }
    catch (Exception e)
    {
        return e.ToString();
    }
}

static byte[] Mutate(byte[] seed, Random random)
{
    var data = new List<byte>(seed);
    var edits = 1 + random.Next(8);
    for (var i = 0; i < edits; i++)
    {
        switch (random.Next(5))
        {
            case 0 when data.Count > 0:
                data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when data.Count > 0:
                data[random.Next(data.Count)] = (byte)random.Next(256);
                break;
            case 2 when data.Count > 1:
                var at = random.Next(data.Count);
                data.RemoveRange(at, 1 + random.Next(Math.Min(64, data.Count - at)));
                break;
            case 3:
                data.Insert(random.Next(data.Count + 1), (byte)random.Next(256));
                break;
            default:
                if (data.Count > 1)
                {
                    var keep = random.Next(data.Count);
                    data.RemoveRange(keep, data.Count - keep); // truncate
                }

                break;
        }
    }

    return [.. data];
}
