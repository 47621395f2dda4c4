using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;

namespace Kindling.Testing;

/// <summary>
/// A real BIND named on 127.0.0.1 and a free port, serving one dynamic zone that a TSIG key may update
/// (<c>notify no</c>: it never sends anything off loopback). Killed by its PID on dispose.
/// </summary>
public sealed class NamedServer : IDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _dir = new("kindling-named");

    private NamedServer(string zone, string records)
    {
        var named = Requires.Tool("named", "bind9");
        Zone = zone;
        Port = FreePort.TcpAndUdp();
        Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _dir.Write("zone.db", $"""
            $TTL 300
            @ IN SOA ns1.{zone}. admin.{zone}. 1 3600 600 86400 60
            @ IN NS ns1.{zone}.
            ns1 IN A 127.0.0.1
            {records}
            """);
        _dir.Write("named.conf", $$"""
            options {
              directory "{{_dir.Path}}";
              pid-file "{{_dir.Path}}/named.pid";
              session-keyfile "{{_dir.Path}}/session.key";
              listen-on port {{Port}} { 127.0.0.1; };
              listen-on-v6 { none; };
              recursion no;
              notify no;
              dnssec-validation no;
            };
            controls { };
            key "kindling-update" { algorithm hmac-sha256; secret "{{Secret}}"; };
            zone "{{zone}}" { type primary; file "{{_dir.Path}}/zone.db"; allow-update { key kindling-update; }; notify no; };
            """);
        KeyFile = _dir.Write("update.key", $"key \"kindling-update\" {{ algorithm hmac-sha256; secret \"{Secret}\"; }};\n");
        WrongKeyFile = _dir.Write("wrong.key", $"key \"kindling-update\" {{ algorithm hmac-sha256; secret \"{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}\"; }};\n");
        var psi = new ProcessStartInfo(named) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-g", "-c", _dir.File("named.conf"), "-n", "1" })
        {
            psi.ArgumentList.Add(arg);
        }

        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (Log) { Log.Add(e.Data); } } };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        WaitUntilListening();
    }

    public string Zone { get; }

    public int Port { get; }

    public string Secret { get; }

    public string KeyFile { get; }

    public string WrongKeyFile { get; }

    public List<string> Log { get; } = [];

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public static NamedServer Start(string zone, string records) => new(zone, records);

    /// <summary>What a real client sees: <c>dig +short</c> answers for the name and type, sorted.</summary>
    public async Task<string> DigAsync(string name, string type = "A")
    {
        var dig = Requires.Tool("dig", "bind9-dnsutils");
        var result = await ProcessRunner.RunAsync(dig, ["@127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+short", "+tcp", "+norecurse", name, type]);
        return string.Join(' ', result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }

    /// <summary>Digs the name every 100 ms until it answers <paramref name="expected"/> or the time is up; returns the last answer.</summary>
    public async Task<string> DigUntilAsync(string name, string expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = "";
        while (DateTime.UtcNow < deadline)
        {
            seen = await DigAsync(name);
            if (seen == expected)
            {
                return seen;
            }

            await Task.Delay(100);
        }

        return seen;
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _dir.Dispose();
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("named exited: " + string.Join('\n', Log));
            }

            lock (Log)
            {
                // named -g ends its start-up with a line ending in "running" (after "all zones loaded").
                if (Log.Exists(l => l.EndsWith(" running", StringComparison.Ordinal)))
                {
                    return;
                }
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException("named did not start: " + string.Join('\n', Log));
    }
}
