using System.Diagnostics;

namespace Kindling.Installer.Service;

/// <summary>How the node service runs on this machine.</summary>
public enum ServiceMode
{
    /// <summary>A systemd unit (<c>kindling-node.service</c>), where systemd is the init system and we are root.</summary>
    Systemd,

    /// <summary>A background <c>kindling node supervise</c> process with a pid file, elsewhere (containers, no root).</summary>
    Supervised,
}

/// <summary>What <c>kindling node status</c> reports.</summary>
public sealed record NodeServiceStatus(ServiceMode Mode, bool Running, int? Pid, string Detail);

/// <summary>
/// Installs, starts, stops and reports the node service for one data folder. Under systemd it writes a unit that
/// restarts on failure; otherwise it starts a detached supervisor (<see cref="NodeSupervisor"/>) in its own session,
/// so the service outlives the installer, and finds it again through <see cref="PidFile"/>.
/// </summary>
public sealed class NodeServiceControl(string dataDir, string executable, ServiceMode? mode = null, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public const string UnitName = "kindling-node.service";

    public string DataDir { get; } = Path.GetFullPath(dataDir);

    public ServiceMode Mode { get; } = mode ?? (Directory.Exists("/run/systemd/system") && Environment.UserName == "root" ? ServiceMode.Systemd : ServiceMode.Supervised);

    public string LogPath => Path.Combine(DataDir, "logs", "node.log");

    /// <summary><c>DIR/run/serve.args</c>: the arguments the service was last started with, one per line.</summary>
    public string ArgumentsPath => Path.Combine(DataDir, "run", "serve.args");

    /// <summary>The address and registry port the service was started with (defaults: every address, 443).</summary>
    public (System.Net.IPAddress Address, int Port) ListenEndpoint()
    {
        var arguments = File.Exists(ArgumentsPath) ? File.ReadAllLines(ArgumentsPath) : [];
        string? Value(string flag) => Array.IndexOf(arguments, flag) is var i and >= 0 && i + 1 < arguments.Length ? arguments[i + 1] : null;
        var address = Value("--address") is { } a && System.Net.IPAddress.TryParse(a, out var ip) ? ip : System.Net.IPAddress.Any;
        var port = Value("--registry-port") is { } p && int.TryParse(p, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 443;
        return (address, port);
    }

    public static string UnitPath => $"/etc/systemd/system/{UnitName}";

    /// <summary>Starts the service (restarting it when already running, so new content and settings are served).</summary>
    public async Task<NodeServiceStatus> StartAsync(IReadOnlyList<string> serveArguments, CancellationToken cancellationToken)
    {
        // A value the unit file (or serve.args, one per line) cannot carry is refused before anything changes.
        var unit = Unit(serveArguments);
        DurableFile.WriteAllText(ArgumentsPath, string.Join('\n', serveArguments) + "\n");
        if (Mode == ServiceMode.Systemd)
        {
            await EnsureServiceUserAsync(cancellationToken);
            DurableFile.WriteAllText(UnitPath, unit);
            await RunAsync("systemctl", ["daemon-reload"], cancellationToken);
            await RunAsync("systemctl", ["enable", UnitName], cancellationToken);
            await RunAsync("systemctl", ["restart", UnitName], cancellationToken);
            return Status();
        }

        await StopAsync(NodeSupervisor.StopTimeout + TimeSpan.FromSeconds(5), cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };

        // setsid: a session of its own, so the supervisor survives the installer's terminal closing.
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec setsid \"$0\" \"$@\" >>\"$KINDLING_NODE_LOG\" 2>&1 </dev/null &");
        psi.ArgumentList.Add(executable);
        foreach (var argument in new[] { "node", "supervise", "--data", DataDir, "--" }.Concat(serveArguments))
        {
            psi.ArgumentList.Add(argument);
        }

        psi.Environment["KINDLING_NODE_LOG"] = LogPath;
        using (var shell = Process.Start(psi) ?? throw new InstallerException("cannot start /bin/sh"))
        {
            await shell.WaitForExitAsync(cancellationToken);
        }

        var pidFile = PidFile.For(DataDir);
        for (var i = 0; i < 100 && pidFile.ReadLive() is null; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken);
        }

        return pidFile.ReadLive() is { } pid
            ? new NodeServiceStatus(Mode, true, pid, $"supervisor pid {pid}, log {LogPath}")
            : throw new InstallerException($"the node service did not start; see {LogPath}");
    }

    /// <summary>
    /// Stops the service: SIGTERM, so the node drains (healthz 503, until no request arrived for its quiet period) and
    /// then lets in-flight requests finish; with <paramref name="now"/>, the drain's quiet period is set to zero first
    /// (through the admin socket), so only in-flight requests are waited for. True when something was running.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan timeout, CancellationToken cancellationToken, bool now = false)
    {
        if (now)
        {
            using var admin = new NodeAdminClient(DataDir, _time);
            if (admin.Exists)
            {
                try
                {
                    await admin.DrainAsync(TimeSpan.Zero, cancellationToken);
                }
                catch (InstallerException)
                {
                    // A stale socket of a killed node: nothing to drain.
                }
            }
        }

        if (Mode == ServiceMode.Systemd)
        {
            await RunAsync("systemctl", ["stop", UnitName], cancellationToken);
            return true;
        }

        var pidFile = PidFile.For(DataDir);
        if (pidFile.ReadLive() is not { } pid)
        {
            return false;
        }

        NodeSupervisor.Signal(pid, 15);
        var started = _time.GetTimestamp();
        while (pidFile.ReadLive() is not null && _time.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken);
        }

        if (pidFile.ReadLive() is not null)
        {
            NodeSupervisor.Signal(pid, 9);
            pidFile.Delete();
        }

        return true;
    }

    /// <summary>
    /// Simulates a crash of the whole node service (kill -9 of the supervisor, then of the server), as a dead
    /// machine would look to its clients. Only processes named by this data folder's pid files are signalled.
    /// </summary>
    public IReadOnlyList<int> Crash()
    {
        var killed = new List<int>();
        foreach (var pidFile in new[] { PidFile.For(DataDir), PidFile.ServerFor(DataDir) })
        {
            if (pidFile.ReadLive() is { } pid && NodeSupervisor.Signal(pid, 9))
            {
                killed.Add(pid);
            }

            pidFile.Delete();
        }

        return killed;
    }

    /// <summary>The arguments the service was last started with, for a restart with the same settings.</summary>
    public IReadOnlyList<string>? LastArguments() => File.Exists(ArgumentsPath) ? File.ReadAllLines(ArgumentsPath) : null;

    public NodeServiceStatus Status()
    {
        if (Mode == ServiceMode.Systemd)
        {
            var active = Run("systemctl", ["is-active", UnitName]).Trim();
            return new NodeServiceStatus(Mode, active == "active", null, $"{UnitName}: {active}");
        }

        var pid = PidFile.For(DataDir).ReadLive();
        return pid is null
            ? new NodeServiceStatus(Mode, false, null, "not running (no live supervisor in " + PidFile.For(DataDir).Path + ")")
            : new NodeServiceStatus(Mode, true, pid, $"supervisor pid {pid}, log {LogPath}");
    }

    /// <summary>The system user the systemd unit runs the node as (created by <see cref="StartAsync"/> when missing).</summary>
    public const string ServiceUser = "kindling";

    /// <summary>
    /// The systemd unit: the node runs as <see cref="ServiceUser"/>, may bind ports below 1024 and nothing else
    /// privileged, sees the file system read-only except its data folder, and gets a private /tmp and /dev. The data
    /// folder is given to the service user at every start (the installer writes it as root), by a pre-start command
    /// that systemd runs with full privileges (<c>+</c>). Every value is escaped for the unit file.
    /// </summary>
    internal string Unit(IReadOnlyList<string> serveArguments)
    {
        var data = SystemdUnitText.PathWord(DataDir, "the data folder");
        var exec = string.Join(' ', new[] { SystemdUnitText.ExecWord(executable, "the kindling executable path") }
            .Concat(serveArguments.Select(a => SystemdUnitText.ExecWord(a, "the node serve argument"))));
        return $"""
            [Unit]
            Description=Kindling bootstrap node ({SystemdUnitText.Text(DataDir, "the data folder")})
            After=network-online.target
            Wants=network-online.target

            [Service]
            User={ServiceUser}
            Group={ServiceUser}
            ExecStartPre=+/bin/chown -R --no-dereference {ServiceUser}:{ServiceUser} {SystemdUnitText.ExecWord(DataDir, "the data folder")}
            ExecStart={exec}
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
            ReadWritePaths={data}
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

            """;
    }

    /// <summary>Creates the system user the unit runs as, unless it exists.</summary>
    private static async Task EnsureServiceUserAsync(CancellationToken cancellationToken)
    {
        if (Run("getent", ["passwd", ServiceUser]).Length > 0)
        {
            return;
        }

        await RunAsync("useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", ServiceUser], cancellationToken);
    }

    private static async Task RunAsync(string file, string[] arguments, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        using var process = Process.Start(psi) ?? throw new InstallerException($"cannot run {file}");
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InstallerException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Trim()}");
        }
    }

    private static string Run(string file, string[] arguments)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
