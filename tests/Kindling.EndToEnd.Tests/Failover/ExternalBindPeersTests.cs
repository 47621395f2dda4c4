using System.Globalization;
using System.Security.Cryptography;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Failover;

/// <summary>
/// External-BIND mode with peers: two <c>kindling failover</c> controllers (peers of each other) and one real named on
/// loopback (<c>notify no</c>). Both aggregate the same views and decide together; the compare-and-swap lets one UPDATE
/// through per decision; killing one controller changes nothing, and the other fails back alone.
/// </summary>
public sealed class ExternalBindPeersTests
{
    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public async Task TwoControllers_OneUpdatePerDecision_AndKillingOneChangesNothing()
    {
        using var lab = await ExternalBindLab.StartAsync("127.0.0.2", "kindling-e2e-peers");
        var (primary, named, dir) = (lab.Nodes.Primary, lab.Named, lab.Dir);
        dir.Write("peer.key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)));
        string[] addresses = ["127.0.41.197", "127.0.41.198"];
        int[] http = [.. addresses.Select(a => FreePort.Tcp(a))];
        var config = dir.Write("failover.yaml", $$"""
            peers:
              secret: peer.key
              urls:
                - http://{{addresses[0]}}:{{http[0]}}
                - http://{{addresses[1]}}:{{http[1]}}
            {{lab.Nodes.RecordsYaml("timeout: 2s", "rise: 2", "holdDown: 2s")}}
            """);
        var controllers = new List<BackgroundProcess>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                // One after another: the first may build the CLI.
                controllers.Add(new BackgroundProcess(Repository.KindlingScript,
                    [.. lab.FailoverArguments(config), "--state", dir.File($"state{i}.json"), "--http", $"{addresses[i]}:{http[i].ToString(CultureInfo.InvariantCulture)}"]));
                await controllers[i].WaitForOutputAsync("switching 1 record(s) on 127.0.0.1", TimeSpan.FromMinutes(5));
            }

            string Outputs() => string.Join("\n----\n", controllers.Select(c => c.Output)) + "\n---- named\n" + string.Join("\n", named.Log);
            await Task.Delay(2000, TestContext.Current.CancellationToken); // views exchanged, both sides up everywhere
            foreach (var controller in controllers)
            {
                Assert.Contains("peer 127.0.41.", controller.Output, StringComparison.Ordinal);
                Assert.Contains("reachable", controller.Output, StringComparison.Ordinal);
            }

            // On a loaded machine a first check may time out before the peers meet: start counting from a settled primary.
            Assert.True("127.0.0.2" == await lab.WaitForAsync("127.0.0.2", TimeSpan.FromSeconds(20)), Outputs());
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            var before = controllers.Select(c => c.Output.Length).ToArray();
            string After(int i) => controllers[i].Output[before[i]..];
            primary.Kill();
            Assert.True("127.0.0.3" == await lab.WaitForAsync("127.0.0.3", TimeSpan.FromSeconds(15)), Outputs());
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            for (var i = 0; i < 2; i++)
            {
                Assert.Contains("switched primary -> backup: primary down in 2 of 2 fresh view(s) down", After(i), StringComparison.Ordinal);
            }

            // Both decided; the compare-and-swap let exactly one UPDATE through.
            Assert.True(1 == Enumerable.Range(0, 2).Sum(i => Count(After(i), "updated the server: 127.0.0.2 -> 127.0.0.3")), Outputs());

            // Kill the one that updated: the other still holds the same decision, and nothing changes.
            var updaterIndex = Enumerable.Range(0, 2).First(i => After(i).Contains("updated the server: 127.0.0.2 -> 127.0.0.3", StringComparison.Ordinal));
            var updater = controllers[updaterIndex];
            var survivor = controllers[1 - updaterIndex];
            var survivorBefore = survivor.Output.Length;
            updater.Kill();
            await Task.Delay(4000, TestContext.Current.CancellationToken); // past the 3 s freshness window: the survivor decides alone
            Assert.Equal("127.0.0.3", await named.DigAsync(ExternalBindLab.Name));
            Assert.Equal(0, Count(survivor.Output[survivorBefore..], "switched backup -> primary"));

            // The survivor fails back on its own when the primary returns.
            await primary.RestartAsync();
            Assert.True("127.0.0.2" == await lab.WaitForAsync("127.0.0.2", TimeSpan.FromSeconds(20)), Outputs());
            Assert.Contains("switched backup -> primary: primary risen in 0 of 1 fresh view(s) down, 1 up: self up", survivor.Output, StringComparison.Ordinal);
            Assert.Contains("updated the server: 127.0.0.3 -> 127.0.0.2 (primary)", survivor.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var controller in controllers)
            {
                controller.Dispose();
            }
        }
    }
}
