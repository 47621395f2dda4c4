using System.Text;
using CsCheck;
using Kindling.Testing;

namespace Kindling.Config.Tests.Fuzz;

/// <summary>
/// No-throw properties of the ClusterConfig and DCE manifest loaders (issue 13; fuzz/Kindling.Config.Fuzz runs them
/// longer): whatever the text, the loader answers with diagnostics, never an exception or a dead process.
/// </summary>
public sealed class LoaderPropertiesTests
{
    internal static readonly string[] YamlTokens =
    [
        "&a ", "*a", "[", "]", "{", "}", ": ", "\n  ", "\n- ", "- ", "!!binary ", "!!int ", "!!str ", "? ", "|\n  ", ">-\n  ", "\"", "'", "<<: *a\n",
        "---\n", "...\n", "%YAML 1.2\n---\n", "%TAG ! tag:x,2000:\n", "!<x>", "~", "null", "0x10", "1e400", "-1", "99999999999999999999", "\t", "#", "\r", "\ufeff",
        "masterNodes:", "nodeName: ", "ip: ", "300.1.1.1", "::1", "enable: ", "helmVersion: ", "variables:",
    ];

    private static string Sample(string name) => File.ReadAllText(Path.Combine(Repository.Samples, name));

    private static void Loads<T>(Func<string, string, LoadResult<T>> load, string text)
        where T : class
    {
        var result = load(text, "fuzz.yaml");
        Assert.True(result.Succeeded || result.Errors.Any(), "a failed load says why");
        Assert.All(result.Errors, e => Assert.StartsWith("fuzz.yaml:", e.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("clusterConfig.yaml")]
    [InlineData("clusterConfig-backup.yaml")]
    public void ClusterConfig_MutatedSamples_DiagnosticsNotExceptions(string sample)
    {
        var text = Sample(sample);
        Gen.Int.Sample(seed => Loads(ClusterConfigLoader.Load, InputMutator.Mutate(text, YamlTokens, seed)), iter: 500);
    }

    [Fact]
    public void ClusterConfig_RandomText_DiagnosticsNotExceptions() =>
        Gen.String.Sample(text => Loads(ClusterConfigLoader.Load, text));

    [Fact]
    public void DceManifest_MutatedSample_DiagnosticsNotExceptions()
    {
        var text = Sample("manifest.yaml");
        Gen.Int.Sample(seed => Loads(DceManifestLoader.Load, InputMutator.Mutate(text, YamlTokens, seed)), iter: 500);
    }

    [Fact]
    public void DceManifest_RandomText_DiagnosticsNotExceptions() =>
        Gen.String.Sample(text => Loads(DceManifestLoader.Load, text));

    [Fact]
    public void ClusterConfig_NestingAndAliasesAnywhere_DiagnosticsNotExceptions() =>
        // Structure: nesting, anchors and aliases (including ones inside their own anchor) under a retained key.
        Gen.Int[0, 200].Select(Gen.Int[0, 3], Gen.Bool).Sample((depth, kind, flow) =>
        {
            var inner = kind switch { 0 => "*a", 1 => "x", 2 => "[*a, *a]", _ => "{k: *a}" };
            var nested = flow ? new string('[', depth) + inner + new string(']', depth) : string.Concat(Enumerable.Range(0, depth).Select(i => "\n" + new string(' ', 4 + 2 * i) + "- ")) + inner;
            Loads(ClusterConfigLoader.Load, $"apiVersion: provision.daocloud.io/v1alpha3\nkind: ClusterConfig\nspec:\n  clusterName: c\n  network: &a {nested}\n");
        }, iter: 300);
}

/// <summary>Inputs found by fuzz/Kindling.Config.Fuzz (issue 13) that once threw or killed the process.</summary>
public sealed class LoaderFuzzRegressionTests
{
    private static string Text(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));

    [Theory]
    // '\r' line breaks: YamlDotNet's line is past the '\n'-split lines (was ArgumentOutOfRangeException in the tab hint).
    [InlineData("Pw0Nb24uIENsdXN0I3JDb252aQ1vbi4gQ2x1c3QjckMgIA==")]
    [InlineData("Wy0tLS0NJw==")]
    // YamlDotNet's parser and scanner throw InvalidOperationException on these (was uncaught).
    [InlineData("Li4uCmVyc2lvbjogbWFuaXN0MWFsCnAubmFuaGExCmsuZA==")]
    [InlineData("Li4uCofu")]
    // Tag directives YamlDotNet refuses with ArgumentException / ArgumentNullException.
    [InlineData("ISFbYXAgWzEu")]
    [InlineData("JVRBRyAhIA==")]
    public void Load_YamlDotNetErrorsOtherThanYamlException_AreSyntaxErrors(string base64)
    {
        foreach (var result in new[] { ClusterConfigLoader.Load(Text(base64), "c.yaml").Diagnostics, DceManifestLoader.Load(Text(base64), "m.yaml").Diagnostics })
        {
            Assert.Contains(result, d => d.IsError);
        }
    }

    [Fact]
    public void ClusterConfig_ScanPlainScalarStateError_IsASyntaxError()
    {
        // fuzz target clusterconfig: a mutated sample on which YamlDotNet's scanner throws InvalidOperationException.
        var result = ClusterConfigLoader.Load(Text("YXBpVmVyc2lvbjogW3Byb3Zpc2lvbi5kYW9jbG91ZC5pby92MXZhbHBoYTMKa2luZDogQ2x1c3RlckNvbmZpZwptZWRucyB0YWRhdGE6CiAgY3JlYXRpb25UaW1lc3RhbXA6IG51bGwKc3BlYzoKICBjbHVzdGVyTmFtZTogbXktY2x1c3RlcgogIGJvb3RzdHJhcE5vZGU6IDE3Mi4zMC40MS4xOTQgIyBJUC1iYXNlZCBtb2RlCgogIG1hc3Rlck5vZGVzOgogICAgLSBub2RlTmFtZTogImctbWFzdGVyMSIKICBvbQ=="), "c.yaml");

        Assert.Contains("YAML syntax error", Assert.Single(result.Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterConfig_AliasInsideItsOwnAnchor_RefusedNotAStackOverflow()
    {
        // The cycle the chartyaml fuzz target found; ToPlain of a retained key recursed until the process died.
        var result = ClusterConfigLoader.Load("apiVersion: provision.daocloud.io/v1alpha3\nkind: ClusterConfig\nspec:\n  clusterName: c\n  network: &a\n    k: *a\n", "c.yaml");

        Assert.Equal("c.yaml:6: alias *a is inside the node &a names (a cycle); repeat the values instead", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void DceManifest_AliasInsideItsOwnAnchor_RefusedNotAStackOverflow()
    {
        var result = DceManifestLoader.Load("apiVersion: manifest.daocloud.io/v1alpha1\nkind: DCEManifest\ncomponents:\n  kpanda:\n    enable: true\n    variables: &v\n      x: *v\n", "m.yaml");

        Assert.Contains("(a cycle)", Assert.Single(result.Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterConfig_NestedDeeperThanTheLimit_RefusedBeforeTheTreeIsBuilt()
    {
        // 100,000 levels killed the node when Chart.yaml was read the same way (issue 13, item 4).
        var deep = "apiVersion: provision.daocloud.io/v1alpha3\nkind: ClusterConfig\nspec:\n  network: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        Assert.Equal("c.yaml:4: the YAML nests deeper than 64 levels; flatten it", Assert.Single(ClusterConfigLoader.Load(deep, "c.yaml").Errors).ToString());
    }

    [Fact]
    public void ClusterConfig_AliasBomb_RefusedBeforeExpansion()
    {
        var bomb = new StringBuilder("apiVersion: provision.daocloud.io/v1alpha3\nkind: ClusterConfig\nspec:\n  clusterName: c\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 10; i++)
        {
            bomb.Append($"  a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        }

        bomb.Append("  network: *a9\n");
        var error = Assert.Single(ClusterConfigLoader.Load(bomb.ToString(), "c.yaml").Errors).ToString();

        Assert.Contains("more than 1,000,000 values once its aliases are expanded", error, StringComparison.Ordinal);
    }
}
