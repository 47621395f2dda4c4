using System.CommandLine;
using Kindling.Demo;
using Spectre.Console;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling demo</c>: the seed's whole scenario on this machine, in one command.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var o = new Options();
        var command = new Command("demo", "Show the bootstrap node's high availability on this machine: DNS on 127.0.41.192, primary on .193, backup on .194; install, verify, kill the primary, fail over, push, fail back.").WithOptions(o.All);

        command.SetAction((parse, cancellationToken) => RunAsync(o, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Options o, ParseResult parse, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var root = Environment.UserName == "root";
        var topology = DemoTopology.For(privilegedPorts: root && !parse.GetValue(o.HighPorts)).WithDnsInstances(parse.GetValue(o.DnsInstances));
        var folder = parse.GetValue(o.Work) ?? Path.Combine(Path.GetTempPath(), $"kindling-demo-{time.GetUtcNow():yyyyMMdd-HHmmss}");
        var files = new DemoFiles(Path.GetFullPath(folder), topology);
        var keep = parse.GetValue(o.Keep);
        PrintTopology(topology, files, keep);
        var scenario = new DemoScenario(Environment.ProcessPath!, files, topology, Console.WriteLine, time);
        DemoResult result;
        try
        {
            result = await scenario.RunAsync(cancellationToken);
        }
        catch (DemoException e)
        {
            await Console.Error.WriteLineAsync($"kindling demo: {e.Message}");
            await Console.Error.WriteLineAsync($"kindling demo: logs kept in {files.Logs}");
            return ExitCodes.Failure;
        }
        finally
        {
            if (!keep && Directory.Exists(files.Work) && !cancellationToken.IsCancellationRequested)
            {
                Directory.Delete(files.Work, recursive: true);
            }
        }

        Console.WriteLine();
        PrintResults(result);
        return result.Passed ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static void PrintTopology(DemoTopology topology, DemoFiles files, bool keep)
    {
        Console.WriteLine("Kindling demo: the bootstrap node of an offline Kubernetes platform, made highly available through DNS.");
        Console.WriteLine(topology.DnsInstances.Count == 1
            ? $"  dnsServer     {topology.Dns}:{topology.DnsPort}  answers {DemoTopology.Domain}: the primary while it is healthy, the backup while not"
            : $"  dnsServers    {string.Join(", ", topology.DnsInstances)} port {topology.DnsPort}  answer {DemoTopology.Domain}: the primary while most of them see it healthy, the backup while not");
        Console.WriteLine($"  primary node  {topology.Primary}  registry :{topology.RegistryPort}, charts :{topology.ChartsPort}, files :{topology.FilesPort}");
        Console.WriteLine($"  backup node   {topology.Backup}  the same services, the same content, a certificate from the same CA");
        Console.WriteLine($"  work folder   {files.Work}{(keep ? "" : " (removed at the end; --keep keeps it)")}");
    }

    /// <summary>The final tables: every check with its outcome, then the measured timings.</summary>
    private static void PrintResults(DemoResult result)
    {
        var table = new Table().Title("Results").AddColumn("check").AddColumn("result").AddColumn("detail");
        foreach (var outcome in result.Outcomes)
        {
            table.AddRow(Markup.Escape(outcome.What), outcome.Passed ? "[green]pass[/]" : "[red]FAIL[/]", Markup.Escape(outcome.Detail));
        }

        AnsiConsole.Write(table);
        var timings = new Table().Title("Timings").AddColumn("event").AddColumn("seconds");
        if (result.InstanceKill is { } kill)
        {
            timings.AddRow("DNS instance killed: lookups made / failed", $"{kill.Lookups} / {kill.Failed}");
        }

        timings.AddRow("detection: primary killed → the DNS server declares it down and switches", Seconds(result.Detection));
        timings.AddRow("switch: primary killed → a client's query answers the backup", Seconds(result.Switch));
        timings.AddRow("recovery: primary restarted → the DNS server declares it up", Seconds(result.PrimaryUp));
        timings.AddRow("failback: primary restarted → a client's query answers the primary", Seconds(result.Failback));
        AnsiConsole.Write(timings);
    }

    private static string Seconds(TimeSpan? time) => time is { } t ? $"{t.TotalSeconds:0.00}" : "-";

    /// <summary>The command's options.</summary>
    private sealed class Options
    {
        public Options() => DnsInstances.AcceptOnlyFromAmong("1", "3");

        public Option<bool> Keep { get; } = new("--keep") { Description = "Keep the work folder (logs, data, configs) at the end" };
        public Option<string?> Work { get; } = new("--work") { Description = "The work folder (default: a new folder under /tmp)" };
        public Option<bool> HighPorts { get; } = new("--high-ports") { Description = "Use ports above 1024 even as root (DNS 10053, registry 18443, charts 18081, files 19000)" };
        public Option<int> DnsInstances { get; } = new("--dns-instances") { Description = "DNS instances: 1 (the seed's dnsServer) or 3 (127.0.41.192, .195, .196, checking the nodes together; one is killed to show no client fails)", DefaultValueFactory = _ => 1 };

        public IEnumerable<Option> All => [Keep, Work, HighPorts, DnsInstances];
    }
}
