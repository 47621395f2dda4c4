using System.Globalization;

namespace Kindling.Installer.Plan;

/// <summary>
/// The <c>-j/--steps</c> of DCE's <c>cluster-create</c>: a list (<c>1,2,4</c>), an open range (<c>2+</c>), one step
/// (<c>3</c>), or a mix (<c>1,3+</c>); default <c>1+</c>. Steps 1–5 install the bootstrap node and are Kindling's;
/// step 6 and later install the global cluster (kubean/Ansible), which Kindling does not do.
/// </summary>
public sealed record StepSelection(IReadOnlyList<int> Steps, bool OpenEnded, string Text)
{
    public const int LastBootstrapStep = 5;

    public static readonly StepSelection Default = Parse("1+");

    /// <summary>True when an open range (<c>N+</c>) reaches past step 5, into the global cluster's steps.</summary>
    public bool ReachesGlobalCluster => OpenEnded;

    public bool Includes(int step) => Steps.Contains(step);

    public static StepSelection Parse(string text) =>
        TryParse(text, out var selection, out var error) ? selection : throw new FormatException(error);

    public static bool TryParse(string? text, out StepSelection selection, out string error)
    {
        selection = null!;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "-j: no steps given; expected a list (1,2,4), an open range (2+) or one step (3)";
            return false;
        }

        var steps = new SortedSet<int>();
        var open = false;
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            var plus = item.EndsWith('+');
            if (ParseItem(text, item, plus ? item[..^1] : item, out var step) is { } itemError)
            {
                error = itemError;
                return false;
            }

            if (plus)
            {
                open = true;
                for (var s = step; s <= LastBootstrapStep; s++)
                {
                    steps.Add(s);
                }
            }
            else
            {
                steps.Add(step);
            }
        }

        selection = new StepSelection(steps.ToList(), open, text.Trim());
        return true;
    }

    /// <summary>One item of <c>-j</c> (<paramref name="number"/> is <paramref name="item"/> without its <c>+</c>): the step, or the error naming the item.</summary>
    private static string? ParseItem(string text, string item, string number, out int step)
    {
        step = 0;
        if (item.Length == 0)
        {
            return $"-j {text}: an empty item between commas; expected steps like 1,2,4";
        }

        if (number.Contains('-', StringComparison.Ordinal))
        {
            return $"-j {text}: \"{item}\" is not a step; ranges are written N+ (from N on) or as a list (1,2,3)";
        }

        if (number.Length == 0 || !number.All(char.IsAsciiDigit) || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out step))
        {
            return $"-j {text}: \"{item}\" is not a step number; expected a list (1,2,4), an open range (2+) or one step (3)";
        }

        if (step == 0)
        {
            return $"-j {text}: steps are numbered from 1";
        }

        if (step > LastBootstrapStep)
        {
            return $"-j {text}: step {step} installs the global cluster (Kubernetes on masterNodes through kubean/Ansible), which Kindling does not do; " +
                $"Kindling runs the bootstrap node's steps 1-{LastBootstrapStep} (e.g. -j 1,2,3,4,5). Use DCE's installer for the global cluster.";
        }

        return null;
    }
}
