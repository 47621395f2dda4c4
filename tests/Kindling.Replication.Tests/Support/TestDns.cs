using System.Globalization;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Support;

/// <summary>
/// The seed's DNS node: the real <c>kindling dns serve</c> on 127.0.41.192 with a free port, serving the seed's
/// zone with the names a test gives (NOTIFY off: nothing leaves loopback).
/// </summary>
internal sealed class TestDns : IDisposable
{
    private readonly BackgroundProcess _process;

    private TestDns(BackgroundProcess process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public const string Address = "127.0.41.192";

    /// <summary>ADDR:PORT for <c>--dns</c>.</summary>
    public string Endpoint { get; }

    public static async Task<TestDns> StartAsync(string directory, IReadOnlyDictionary<string, string> records)
    {
        Directory.CreateDirectory(directory);
        var port = FreePort.TcpAndUdp(Address);
        File.WriteAllText(Path.Combine(directory, "named.conf"), """
            options {
                notify no;
            };
            zone "tinder-node-server.com" IN {
                type master;
                file "tinder-node-server.com.zone";
                allow-update { none; };
            };
            """);
        File.WriteAllText(Path.Combine(directory, "tinder-node-server.com.zone"), """
            $TTL 60
            @   IN SOA  tinder-node-server.com. rname.invalid. ( 1 1D 1H 1W 3H )
                NS  ns.tinder-node-server.com.
            ns  IN A    127.0.41.192

            """ + string.Concat(records.Select(r => $"{r.Key} IN A {r.Value}\n")));
        var endpoint = string.Create(CultureInfo.InvariantCulture, $"{Address}:{port}");
        var process = BackgroundProcess.Start(Repository.KindlingScript,
            ["dns", "serve", "--named-conf", Path.Combine(directory, "named.conf"), "--listen", endpoint, "--pid-file", Path.Combine(directory, "dns.pid")]);
        try
        {
            await process.WaitForOutputAsync("kindling dns: serving", TimeSpan.FromMinutes(3));
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return new TestDns(process, endpoint);
    }

    public void Dispose() => _process.Dispose();
}
