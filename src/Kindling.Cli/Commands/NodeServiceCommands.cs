using System.CommandLine;
using System.Globalization;
using System.Net;
using Kindling.Installer.Pki;
using Kindling.Installer.Service;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling node start|stop|status|supervise</c>: the node service in the background, for one data folder.</summary>
internal static class NodeServiceCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Start();
        yield return Stop();
        yield return Status();
        yield return Drain();
        yield return Undrain();
        yield return Supervise();
    }

    private static Option<string> DataOption() => new("--data") { Description = "The node's data folder", Required = true };

    private static Command Start()
    {
        var data = DataOption();
        var config = new Option<string?>("--config", "-c") { Description = "The ClusterConfig (ports, certificate names)" };
        var address = new Option<string?>("--address") { Description = "The IP to listen on" };
        var registryPort = new Option<int?>("--registry-port") { Description = "Registry port" };
        var chartsPort = new Option<int?>("--charts-port") { Description = "Chart repository port" };
        var filesPort = new Option<int?>("--files-port") { Description = "File store port" };
        var command = new Command("start", "Start (or restart) 'node serve' in the background: a systemd unit where systemd runs, otherwise a supervised process with a pid file. Without settings, it starts as it last ran.")
        {
            data, config, address, registryPort, chartsPort, filesPort,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataDir = Path.GetFullPath(parse.GetValue(data)!);
            var serve = new List<string> { "node", "serve", "--data", dataDir };
            void Add(string flag, string? value)
            {
                if (value is not null)
                {
                    serve.Add(flag);
                    serve.Add(value);
                }
            }

            Add("-c", parse.GetValue(config) is { } c ? Path.GetFullPath(c) : null);
            Add("--address", parse.GetValue(address));
            Add("--registry-port", parse.GetValue(registryPort)?.ToString(CultureInfo.InvariantCulture));
            Add("--charts-port", parse.GetValue(chartsPort)?.ToString(CultureInfo.InvariantCulture));
            Add("--files-port", parse.GetValue(filesPort)?.ToString(CultureInfo.InvariantCulture));
            var control = Control(dataDir);
            if (serve.Count == 4 && control.LastArguments() is { } last)
            {
                serve = [.. last]; // no settings given: start again as it last ran
            }

            var status = await control.StartAsync(serve, cancellationToken);
            Console.WriteLine($"node service started ({status.Mode}): {status.Detail}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Stop()
    {
        var data = DataOption();
        var now = new Option<bool>("--now") { Description = "Stop without waiting for the drain's quiet period (in-flight requests still finish)" };
        var command = new Command("stop", "Stop the background node service: it drains first (healthz 503 until no request arrived for its quiet period), then lets in-flight requests finish.") { data, now };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stopped = await Control(parse.GetValue(data)!).StopAsync(NodeSupervisor.StopTimeout + TimeSpan.FromSeconds(5), cancellationToken, parse.GetValue(now));
            Console.WriteLine(stopped ? "node service stopped" : "node service was not running");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status()
    {
        var data = DataOption();
        var command = new Command("status", "Say whether the node service runs, and whether it is healthy. Exit code 0 only when it runs and is healthy.") { data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataDir = Path.GetFullPath(parse.GetValue(data)!);
            var control = Control(dataDir);
            var status = control.Status();
            Console.WriteLine($"{(status.Running ? "running" : "stopped")} ({status.Mode}): {status.Detail}");
            if (!status.Running)
            {
                return ExitCodes.Failure;
            }

            var (address, port) = control.ListenEndpoint();
            using var root = NodeCertificateFiles.For(dataDir).LoadCaCertificate();
            var failure = await NodeHealthCheck.WaitHealthyAsync(address.Equals(IPAddress.Any) ? IPAddress.Loopback : address, port, root, TimeSpan.FromSeconds(2), cancellationToken);
            Console.WriteLine(failure is null ? $"healthy: https://{address}:{port}/healthz answered 200" : $"unhealthy: {failure}");
            return failure is null ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static Command Drain()
    {
        var data = DataOption();
        var timeout = new Option<string>("--timeout") { Description = "Give up waiting after this long (e.g. 60s, 2m); the node stays draining", DefaultValueFactory = _ => "60s" };
        var quiet = new Option<string?>("--quiet") { Description = "Drained once no request arrived for this long (default: the node's --drain-quiet, 10s); at least the failover record's TTL" };
        var command = new Command("drain", "Take the running node out of service for planned work: /healthz answers 503 draining (the failover DNS moves clients away) while every request is still served; returns once no request arrived for the quiet period. 'node undrain' or a restart returns it.")
        {
            data, timeout, quiet,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var limit = NodeReplicationOptions.ParseInterval(parse.GetValue(timeout)!, "--timeout");
            var quietFor = parse.GetValue(quiet) is { } q ? NodeReplicationOptions.ParseInterval(q, "--quiet", allowZero: true) : (TimeSpan?)null;
            using var admin = new NodeAdminClient(parse.GetValue(data)!);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var (status, drained) = await admin.DrainAndWaitAsync(quietFor, limit, s => Console.WriteLine($"  {s}"), cancellationToken);
            Console.WriteLine(drained
                ? $"drained in {started.Elapsed.TotalSeconds:0.0} s: {status}"
                : $"not drained within {limit.TotalSeconds:0} s: {status}; the node keeps draining (is the failover DNS answering the other node? kindling dns status)");
            return drained ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static Command Undrain()
    {
        var data = DataOption();
        var command = new Command("undrain", "Return a drained node to service: /healthz answers from its checks again.") { data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var admin = new NodeAdminClient(parse.GetValue(data)!);
            var status = await admin.UndrainAsync(cancellationToken);
            Console.WriteLine($"undrained: {status}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Supervise()
    {
        var data = DataOption();
        var arguments = new Argument<string[]>("serve-arguments") { Description = "The kindling arguments to keep running (after --)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("supervise", "Run a kindling command (normally 'node serve ...') and restart it when it crashes, until SIGTERM. Used by 'node start'.")
        {
            data, arguments,
        };
        command.Hidden = true;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var supervisor = new NodeSupervisor(Environment.ProcessPath!, parse.GetValue(arguments)!, parse.GetValue(data)!, Console.Out);
            return await supervisor.RunAsync(cancellationToken);
        });
        return command;
    }

    private static NodeServiceControl Control(string dataDir) => new(dataDir, Environment.ProcessPath!);
}
