using System.CommandLine;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling dns status --http ADDR:PORT</c>: the failover status of a running server, as JSON.</summary>
internal static class DnsStatusCommand
{
    public static Command Create()
    {
        var http = new Option<string>("--http") { Description = "ADDR:PORT given to 'kindling dns serve --http' (or 'kindling failover --http').", Required = true };
        var command = new Command("status", "Print the failover status (sides, health, hold-down, reasons) as JSON.") { http };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var endpoint = FailoverCommand.ParseEndpoint(parse.GetValue(http), "--http")!;
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                // The last 5 checks of each side: the status page asks for all of them (its timeline).
                var url = new UriBuilder("http", endpoint.Address.ToString(), endpoint.Port, "status") { Query = "checks=5" }.Uri;
                Console.WriteLine(await client.GetStringAsync(url, cancellationToken));
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"kindling: no status at {endpoint}: {e.Message} (is 'kindling dns serve --failover ... --http {endpoint}' running?)");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
