using Kindling.Testing;

namespace Kindling.Dns.Server.Tests;

public class CliErrorTests
{
    [Fact]
    public async Task Serve_ZoneWithError_ExitsWithFileLineAndCode2()
    {
        using var dir = new TempDirectory();
        dir.Write("bad.zone", "$TTL 60\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\nwww A 192.0.2.300\n");
        var conf = dir.Write("named.conf", "zone \"example.test\" { type master; file \"bad.zone\"; };\n");

        var result = await ProcessRunner.KindlingAsync("dns", "serve", "--named-conf", conf, "--listen", "127.0.0.1:0", "--pid-file", dir.File("pid"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{dir.File("bad.zone")}:5:7: bad IPv4 address '192.0.2.300'", result.StdErr);
    }

    [Fact]
    public async Task Serve_NamedConfSyntaxError_NamesTheLine()
    {
        using var dir = new TempDirectory();
        var conf = dir.Write("named.conf", "options {\n  directory \".\"\n};\n");

        var result = await ProcessRunner.KindlingAsync("dns", "serve", "--named-conf", conf, "--listen", "127.0.0.1:0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{conf}:3: missing ';'", result.StdErr);
    }

    [Fact]
    public async Task Serve_TcpClientsPerAddressZero_IsAUsageError()
    {
        using var dir = new TempDirectory();
        var conf = dir.Write("named.conf", "options { notify no; };\n");

        var result = await ProcessRunner.KindlingAsync("dns", "serve", "--named-conf", conf, "--listen", "127.0.0.1:0", "--tcp-clients-per-address", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--tcp-clients-per-address 0: give a number of connections, at least 1", result.StdErr);
    }

    [Fact]
    public async Task Reload_NoServer_SaysWhatToCheck()
    {
        using var dir = new TempDirectory();

        var result = await ProcessRunner.KindlingAsync("dns", "reload", "--pid-file", dir.File("none.pid"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is 'kindling dns serve' running", result.StdErr);
    }
}
