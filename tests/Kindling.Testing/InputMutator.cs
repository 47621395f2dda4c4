using System.Text;

namespace Kindling.Testing;

/// <summary>
/// Structure-aware mutations of a valid sample for no-throw properties (issue 13): each seed gives a repeatable mix
/// of 1–5 edits — delete a span, duplicate a span elsewhere, insert or overwrite with one of the format's tokens
/// (a field name, a separator, an out-of-range number), swap two of its <c>separator</c>-delimited parts, drop
/// one, change a character, or cut the input short. Use with <c>Gen.Int.Select(seed =&gt; InputMutator.Mutate(...))</c>.
/// </summary>
public static class InputMutator
{
    public static string Mutate(string sample, IReadOnlyList<string> tokens, int seed, char separator = '\n')
    {
        var random = new Random(seed);
        var text = new StringBuilder(sample);
        var edits = 1 + random.Next(5);
        for (var i = 0; i < edits; i++)
        {
            var at = text.Length == 0 ? 0 : random.Next(text.Length);
            switch (random.Next(8))
            {
                case 0 when text.Length > 0:
                    text.Remove(at, 1 + random.Next(Math.Min(24, text.Length - at)));
                    break;
                case 1 when text.Length > 0:
                    var span = text.ToString(at, 1 + random.Next(Math.Min(48, text.Length - at)));
                    text.Insert(random.Next(text.Length + 1), span);
                    break;
                case 2 when tokens.Count > 0:
                    text.Insert(at, tokens[random.Next(tokens.Count)]);
                    break;
                case 3 when tokens.Count > 0 && text.Length > 0:
                    var token = tokens[random.Next(tokens.Count)];
                    text.Remove(at, Math.Min(token.Length, text.Length - at)).Insert(at, token);
                    break;
                case 4:
                    var parts = text.ToString().Split(separator).ToList();
                    if (parts.Count > 1)
                    {
                        var (a, b) = (random.Next(parts.Count), random.Next(parts.Count));
                        (parts[a], parts[b]) = (parts[b], parts[a]);
                        if (random.Next(3) == 0)
                        {
                            parts.RemoveAt(random.Next(parts.Count));
                        }

                        text.Clear().Append(string.Join(separator, parts));
                    }

                    break;
                case 5 when text.Length > 0:
                    text[at] = (char)random.Next(random.Next(4) == 0 ? 0x10000 : 0x80);
                    break;
                case 6 when text.Length > 1:
                    text.Length = random.Next(text.Length);
                    break;
                default:
                    text.Insert(at, separator);
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>Byte-level: flips, random bytes, deletions, duplications and cuts (for binary formats).</summary>
    public static byte[] Mutate(byte[] sample, int seed)
    {
        var random = new Random(seed);
        var data = new List<byte>(sample);
        var edits = 1 + random.Next(5);
        for (var i = 0; i < edits; i++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(5))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = (byte)random.Next(256);
                    break;
                case 2 when data.Count > 0:
                    data.RemoveRange(at, 1 + random.Next(Math.Min(16, data.Count - at)));
                    break;
                case 3 when data.Count > 0:
                    data.InsertRange(random.Next(data.Count + 1), data.GetRange(at, 1 + random.Next(Math.Min(16, data.Count - at))));
                    break;
                default:
                    data.Insert(at, (byte)random.Next(256));
                    break;
            }
        }

        return [.. data];
    }
}
