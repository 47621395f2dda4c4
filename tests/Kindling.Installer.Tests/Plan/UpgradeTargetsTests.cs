using Kindling.Installer.Plan;

namespace Kindling.Installer.Tests.Plan;

public class UpgradeTargetsTests
{
    [Fact]
    public void TryParse_Tinder_IsAccepted()
    {
        Assert.True(UpgradeTargets.TryParse("tinder", out var targets, out _));
        Assert.Equal(["tinder"], targets);
    }

    [Theory]
    [InlineData("cluster")]
    [InlineData("infrastructure")]
    [InlineData("hwameistor")]
    [InlineData("middleware")]
    [InlineData("gproduct")]
    [InlineData("addon")]
    [InlineData("tinder,gproduct")]
    public void TryParse_GlobalClusterTarget_IsRefusedByName(string text)
    {
        Assert.False(UpgradeTargets.TryParse(text, out _, out var error));
        Assert.Contains("not handled by Kindling", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_UnknownTarget_ListsTheValidOnes()
    {
        Assert.False(UpgradeTargets.TryParse("everything", out _, out var error));
        Assert.Contains("\"everything\" is not a DCE upgrade target", error, StringComparison.Ordinal);
        Assert.Contains("gproduct", error, StringComparison.Ordinal);
    }
}
