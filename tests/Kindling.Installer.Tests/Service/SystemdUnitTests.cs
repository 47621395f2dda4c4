using Kindling.Installer.Service;
using Kindling.Testing;

namespace Kindling.Installer.Tests.Service;

/// <summary>Issue 13 item 6: the node's systemd unit escapes every value and runs the node sandboxed.</summary>
public class SystemdUnitTests
{
    [Fact]
    public void Unit_Default_IsTheSandboxedGolden()
    {
        var control = new NodeServiceControl("/home/kind", "/opt/kindling/kindling", ServiceMode.Systemd);

        var unit = control.Unit(["node", "serve", "--data", "/home/kind"]);

        Assert.Equal("""
            [Unit]
            Description=Kindling bootstrap node (/home/kind)
            After=network-online.target
            Wants=network-online.target

            [Service]
            User=kindling
            Group=kindling
            ExecStartPre=+/bin/chown -R --no-dereference kindling:kindling /home/kind
            ExecStart=/opt/kindling/kindling node serve --data /home/kind
            Restart=on-failure
            RestartSec=1
            KillSignal=SIGTERM
            TimeoutStopSec=110
            LimitNOFILE=65536
            AmbientCapabilities=CAP_NET_BIND_SERVICE
            CapabilityBoundingSet=CAP_NET_BIND_SERVICE
            NoNewPrivileges=yes
            ProtectSystem=strict
            ProtectHome=read-only
            ReadWritePaths=/home/kind
            PrivateTmp=yes
            PrivateDevices=yes
            ProtectKernelTunables=yes
            ProtectKernelModules=yes
            ProtectKernelLogs=yes
            ProtectControlGroups=yes
            ProtectClock=yes
            ProtectHostname=yes
            RestrictSUIDSGID=yes
            RestrictRealtime=yes
            RestrictNamespaces=yes
            LockPersonality=yes
            RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
            SystemCallArchitectures=native

            [Install]
            WantedBy=multi-user.target

            """, unit);
    }

    [Fact]
    public void Unit_PercentDollarQuoteBackslashSemicolon_Escaped()
    {
        var control = new NodeServiceControl("/srv/kind 100%", "/opt/kindling/kindling", ServiceMode.Systemd);

        var unit = control.Unit(["node", "serve", "--name", "a$HOME%n\"q\\", ";"]);

        Assert.Contains("Description=Kindling bootstrap node (/srv/kind 100%%)", unit, StringComparison.Ordinal);
        Assert.Contains("ExecStart=/opt/kindling/kindling node serve --name \"a$$HOME%%n\\\"q\\\\\" \\;", unit, StringComparison.Ordinal);
        Assert.Contains("ReadWritePaths=\"/srv/kind 100%%\"", unit, StringComparison.Ordinal);
        Assert.Contains("ExecStartPre=+/bin/chown -R --no-dereference kindling:kindling \"/srv/kind 100%%\"", unit, StringComparison.Ordinal);
    }

    [Fact]
    public void Unit_NewlineInAnyValue_RefusedNamingIt()
    {
        var control = new NodeServiceControl("/srv/kind", "/opt/kindling/kindling", ServiceMode.Systemd);
        var badData = new NodeServiceControl("/srv/kind\nExecStartPost=/bin/sh", "/opt/kindling/kindling", ServiceMode.Systemd);

        var argument = Assert.Throws<InstallerException>(() => control.Unit(["node", "serve", "--name", "x\nUser=root"]));
        var data = Assert.Throws<InstallerException>(() => badData.Unit(["node", "serve"]));

        Assert.Equal("the node serve argument 'x\\nUser=root' contains a line break or NUL, which a systemd unit file cannot carry; choose a value without one", argument.Message);
        Assert.Contains("the data folder '/srv/kind\\nExecStartPost=/bin/sh' contains a line break", data.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unit_HostileValues_PassSystemdAnalyzeVerify()
    {
        var analyze = Requires.Tool("systemd-analyze", "systemd");
        using var dir = new TempDirectory("kindling-unit");
        foreach (var (data, argument) in new[] { ("/home/kind", "plain"), ("/srv/kind 100% $HOME", "a%Z$x\"\\;'"), ("/srv/semi", ";") })
        {
            var control = new NodeServiceControl(data, "/bin/true", ServiceMode.Systemd);
            var path = dir.Write("kindling-node.service", control.Unit(["node", "serve", "--data", data, "--name", argument]));

            var verify = await ProcessRunner.RunAsync(analyze, ["verify", path]);

            Assert.True(verify.ExitCode == 0 && verify.StdErr.Trim().Length == 0 && verify.StdOut.Trim().Length == 0, $"{data} / {argument}: {verify}");
        }

        // The check can fail: an unescaped specifier is a fatal error for systemd.
        var unescaped = dir.Write("bad.service", "[Service]\nExecStart=/bin/true %Z\n");
        var bad = await ProcessRunner.RunAsync(analyze, ["verify", unescaped]);
        Assert.NotEqual(0, bad.ExitCode);
    }
}
