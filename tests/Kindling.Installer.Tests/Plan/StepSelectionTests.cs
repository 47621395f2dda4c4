using CsCheck;
using Kindling.Installer.Plan;

namespace Kindling.Installer.Tests.Plan;

public class StepSelectionTests
{
    [Theory]
    [InlineData("1,2,4", new[] { 1, 2, 4 }, false)]
    [InlineData("2+", new[] { 2, 3, 4, 5 }, true)]
    [InlineData("3", new[] { 3 }, false)]
    [InlineData("1+", new[] { 1, 2, 3, 4, 5 }, true)]
    [InlineData("1,2,3,4,5", new[] { 1, 2, 3, 4, 5 }, false)]
    [InlineData(" 5 , 1 ", new[] { 1, 5 }, false)]
    [InlineData("1,4+", new[] { 1, 4, 5 }, true)]
    public void Parse_DceForms_GiveTheSteps(string text, int[] expected, bool open)
    {
        var selection = StepSelection.Parse(text);

        Assert.Equal(expected, selection.Steps);
        Assert.Equal(open, selection.ReachesGlobalCluster);
    }

    [Theory]
    [InlineData("0", "numbered from 1")]
    [InlineData("2-", "N+")]
    [InlineData("1-3", "N+")]
    [InlineData("", "no steps")]
    [InlineData("1,,2", "empty item")]
    [InlineData("a", "not a step number")]
    [InlineData("+", "not a step number")]
    [InlineData("6", "global cluster")]
    [InlineData("7+", "global cluster")]
    [InlineData("99999999999", "not a step number")]
    public void TryParse_Invalid_ExplainsWhy(string text, string reason)
    {
        Assert.False(StepSelection.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_AnyListOfBootstrapSteps_GivesThatSetSortedAndClosed() =>
        Gen.Int[1, 5].Array[1, 8].Sample(steps =>
        {
            Assert.True(StepSelection.TryParse(string.Join(",", steps), out var selection, out var error), error);
            Assert.Equal(steps.Distinct().Order(), selection.Steps);
            Assert.False(selection.ReachesGlobalCluster);
        });

    [Fact]
    public void TryParse_OpenRange_RunsFromNThroughStep5() =>
        Gen.Int[1, 5].Sample(n =>
        {
            var selection = StepSelection.Parse($"{n}+");
            Assert.Equal(Enumerable.Range(n, 6 - n), selection.Steps);
            Assert.True(selection.ReachesGlobalCluster);
        });

    [Fact]
    public void TryParse_AnyStepAbove5_IsRefusedAsGlobalCluster() =>
        Gen.Int[6, 100_000].Select(Gen.Bool).Sample((n, open) =>
        {
            Assert.False(StepSelection.TryParse(open ? $"1,{n}+" : $"{n},2", out _, out var error));
            Assert.Contains($"step {n} installs the global cluster", error, StringComparison.Ordinal);
        });

    [Fact]
    public void TryParse_ArbitraryText_NeverThrowsAndAcceptsOnlyStepsInRange() =>
        Gen.String[Gen.Char["0123456789+,- a"], 0, 12].Sample(text =>
        {
            if (StepSelection.TryParse(text, out var selection, out var error))
            {
                Assert.NotEmpty(selection.Steps);
                Assert.All(selection.Steps, s => Assert.InRange(s, 1, 5));
            }
            else
            {
                Assert.StartsWith("-j", error, StringComparison.Ordinal);
            }
        });

    [Fact]
    public void TryParse_UnionOfListAndRange_IsTheUnionOfTheParts() =>
        Gen.Int[1, 5].Array[1, 4].Select(Gen.Int[1, 5]).Sample((list, from) =>
        {
            var selection = StepSelection.Parse($"{string.Join(",", list)},{from}+");
            Assert.Equal(list.Concat(Enumerable.Range(from, 6 - from)).Distinct().Order(), selection.Steps);
        });
}
