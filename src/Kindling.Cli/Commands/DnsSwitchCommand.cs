using System.CommandLine;
using Kindling.Health.External;
using Kindling.Health.Failover;
using Kindling.Health.Overlay;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling dns switch --server ADDR:PORT --key FILE NAME primary|backup|auto</c>: maintenance override over RFC 2136.</summary>
internal static class DnsSwitchCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "ADDR:PORT of the running 'kindling dns serve'.", Required = true };
        var key = new Option<string?>("--key") { Description = "TSIG key file (BIND syntax) that allow-update admits." };
        var name = new Argument<string>("NAME") { Description = "The failover name, e.g. www.tinder-node-server.com." };
        var side = new Argument<string>("SIDE") { Description = "primary or backup (force that side), or auto (health decides again)." };
        var command = new Command("switch", "Force a failover name to its primary or backup (maintenance), or return it to automatic.") { server, key, name, side };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var mode = SwitchRecord.Parse(parse.GetValue(side)!) ?? throw new UsageException($"SIDE {parse.GetValue(side)}: expected primary, backup or auto");
            var endpoint = FailoverCommand.ParseEndpoint(parse.GetValue(server), "--server")!;
            var tsig = parse.GetValue(key) is { } file ? TsigKeyFile.Load(file) : null;
            try
            {
                var result = await new SwitchClient(new DnsExchange(endpoint, tsig, TimeProvider.System)).SwitchAsync(parse.GetValue(name)!, mode, cancellationToken);
                if (!result.Applied)
                {
                    await Console.Error.WriteLineAsync($"kindling: switch refused: {result.Detail}");
                    return ExitCodes.Failure;
                }

                Console.WriteLine($"kindling dns: {parse.GetValue(name)} is now {(mode == FailoverMode.Auto ? "automatic" : $"forced to the {SwitchRecord.Text(mode)}")} ({result.Detail}); "
                    + $"answers {string.Join(", ", result.Addresses)}");
                return ExitCodes.Ok;
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"kindling: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
