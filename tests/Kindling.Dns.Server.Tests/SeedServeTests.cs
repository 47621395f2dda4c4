using System.Diagnostics;
using System.Net;
using Kindling.Dns.Client;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests;

/// <summary>
/// The seed's named.conf and zone files, unchanged, served by the real <c>kindling dns serve</c> and asked by the real
/// <c>dig</c> and <c>nslookup</c>, as the seed's screenshots do; then changed on disk and reloaded.
/// </summary>
public sealed class SeedServeTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("kindling-seed");
    private Process? _server;
    private IPEndPoint _endpoint = null!;

    public async ValueTask InitializeAsync()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Samples, "dns")))
        {
            File.Copy(file, _dir.File(Path.GetFileName(file)));
        }

        _endpoint = new IPEndPoint(IPAddress.Parse("127.0.0.3"), FreePort.TcpAndUdp("127.0.0.3"));
        var built = await ProcessRunner.KindlingAsync("version");
        Assert.Equal(0, built.ExitCode);
        var psi = new ProcessStartInfo(Path.Combine(Repository.Root, ".build", "cli", "kindling"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "dns", "serve", "--named-conf", _dir.File("named.conf"), "--listen", _endpoint.ToString(), "--pid-file", _dir.File("dns.pid") })
        {
            psi.ArgumentList.Add(arg);
        }

        _server = Process.Start(psi)!;
        var ready = new TaskCompletionSource();
        _server.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("kindling dns: serving", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task<string> DigAsync(params string[] args)
    {
        var dig = Requires.Tool("dig", "bind9-dnsutils");
        var result = await ProcessRunner.RunAsync(dig, ["@" + _endpoint.Address, "-p", _endpoint.Port.ToString(), .. args], TimeSpan.FromSeconds(20));
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StdOut;
    }

    [Fact]
    public async Task Dig_WwwOfTheSeed_AnswersThePrimaryBootstrapNode()
    {
        var output = await DigAsync("www.tinder-node-server.com");

        Assert.Contains("status: NOERROR", output);
        Assert.Contains("flags: qr aa rd;", output);
        Assert.Matches(@"www\.tinder-node-server\.com\.\s+86400\s+IN\s+A\s+172\.30\.41\.193", output);
    }

    [Fact]
    public async Task Dig_ReverseLookupOf201_AnswersBothPtrRecords()
    {
        var output = await DigAsync("-x", "172.30.41.201", "+short");

        Assert.Equal(["email.tinder-node-server.com.", "www.tinder-node-server.com."], output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public async Task Nslookup_AsTheSeedVerifies_PrintsTheAddress()
    {
        var nslookup = Requires.Tool("nslookup", "bind9-dnsutils");
        var result = await ProcessRunner.RunAsync(nslookup, [$"-port={_endpoint.Port}", "www.tinder-node-server.com", _endpoint.Address.ToString()], TimeSpan.FromSeconds(20));

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"Name:\s+www\.tinder-node-server\.com\s+Address: 172\.30\.41\.193", result.StdOut);
    }

    [Fact]
    public async Task Kdig_OverTcp_AnswersTheSame()
    {
        var kdig = Requires.Tool("kdig", "knot-dnsutils");
        var result = await ProcessRunner.RunAsync(kdig, ["@" + _endpoint.Address, "-p", _endpoint.Port.ToString(), "+tcp", "+short", "email.tinder-node-server.com", "A"], TimeSpan.FromSeconds(20));

        Assert.Equal("172.30.41.193", result.StdOut.Trim());
    }

    [Fact]
    public async Task Reload_AfterEditingTheZone_ServesTheNewRecord()
    {
        var client = new DnsClient(_endpoint);
        var zone = _dir.File("tinder-node-server.com.zone");
        File.WriteAllText(zone, File.ReadAllText(zone).Replace("www IN A    172.30.41.193", "www IN A    172.30.41.194", StringComparison.Ordinal));

        var reload = await ProcessRunner.KindlingAsync("dns", "reload", "--pid-file", _dir.File("dns.pid"));
        Assert.True(reload.ExitCode == 0, reload.ToString());

        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyList<IPAddress> addresses;
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            addresses = await client.ResolveAsync("www.tinder-node-server.com", TestContext.Current.CancellationToken);
        }
        while (!addresses.Contains(IPAddress.Parse("172.30.41.194")) && DateTime.UtcNow < deadline);

        Assert.Equal([IPAddress.Parse("172.30.41.194")], addresses);
    }

    [Fact]
    public async Task Reload_BrokenZone_KeepsServingTheOldOne()
    {
        var client = new DnsClient(_endpoint);
        File.AppendAllText(_dir.File("tinder-node-server.com.local"), "bad A 999.1.1.1\n");

        var pid = int.Parse(File.ReadAllText(_dir.File("dns.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(_server!.Id, pid);
        var hup = await ProcessRunner.RunAsync("/bin/kill", ["-HUP", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(0, hup.ExitCode);
        await Task.Delay(500, TestContext.Current.CancellationToken);

        var answer = await client.QueryAsync(DomainName.Parse("201.41.30.172.in-addr.arpa."), RecordType.PTR, TestContext.Current.CancellationToken);
        Assert.Equal(2, answer.Answers.Count);
        Assert.False(_server.HasExited);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        _dir.Dispose();
    }
}
