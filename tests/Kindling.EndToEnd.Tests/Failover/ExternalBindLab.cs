using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Failover;

/// <summary>
/// What an external-BIND failover test starts from: the two HTTPS nodes, a real named (loopback, <c>notify no</c>, with
/// its TSIG key) holding <see cref="Name"/>, and a folder with the nodes' <c>ca.pem</c> for the failover file.
/// </summary>
internal sealed class ExternalBindLab(PrimaryAndBackup nodes, NamedServer named, TempDirectory dir) : IDisposable
{
    public const string Name = "www.tinder-node-server.com";

    public PrimaryAndBackup Nodes => nodes;

    public NamedServer Named => named;

    public TempDirectory Dir => dir;

    /// <summary>Starts the nodes and named, whose zone answers <see cref="Name"/> with <paramref name="www"/> (TTL 5).</summary>
    public static async Task<ExternalBindLab> StartAsync(string www, string folder)
    {
        var nodes = await PrimaryAndBackup.StartAsync();
        NamedServer? named = null;
        try
        {
            named = NamedServer.Start("tinder-node-server.com", $"www 5 IN A {www}");
            var dir = new TempDirectory(folder);
            dir.Write("ca.pem", nodes.CaPem);
            return new ExternalBindLab(nodes, named, dir);
        }
        catch
        {
            named?.Dispose();
            nodes.Dispose();
            throw;
        }
    }

    /// <summary><c>kindling failover</c> with the file, switching this named over TSIG.</summary>
    public string[] FailoverArguments(string config) =>
        ["failover", "--config", config, "--server", $"127.0.0.1:{Named.Port}", "--key", Named.KeyFile];

    /// <summary>Digs <see cref="Name"/> until named answers <paramref name="expected"/>; returns the last answer.</summary>
    public Task<string> WaitForAsync(string expected, TimeSpan timeout) => Named.DigUntilAsync(Name, expected, timeout);

    public void Dispose()
    {
        Dir.Dispose();
        Named.Dispose();
        Nodes.Dispose();
    }
}
