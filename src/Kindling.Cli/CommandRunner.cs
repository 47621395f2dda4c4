using System.CommandLine;
using Kindling.Artifacts.Storage;
using Kindling.Installer;
using Kindling.Installer.Pki;

namespace Kindling.Cli;

/// <summary>Parses the command line, maps parse errors to exit code 2 and unexpected exceptions to 1.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                await Console.Error.WriteLineAsync($"kindling: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Run 'kindling --help' (or 'kindling COMMAND --help') for usage.");
            return ExitCodes.InvalidInput;
        }

        try
        {
            // Without the default handler, UsageException reaches the catch below (exit 2) instead of printing a stack trace (exit 1).
            return await result.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync(e.Located ? e.Message : $"kindling: {e.Message}");
            return ExitCodes.InvalidInput;
        }
        catch (Exception e) when (e is InstallerException or PkiException)
        {
            await Console.Error.WriteLineAsync($"kindling: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (StorageFullException e)
        {
            // A write met a full disk (import, or a store opened by the CLI): what, where, and that nothing partial stayed.
            await Console.Error.WriteLineAsync($"kindling: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (IOException e) when (StorageFullException.IsDiskFull(e))
        {
            await Console.Error.WriteLineAsync($"kindling: no space left on device: {e.Message}; free space on that file system and retry");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("kindling: cancelled");
            return 130;
        }
    }
}

/// <summary>Invalid input found while running a command (exit code 2).</summary>
/// <param name="located">The message already starts with file:line, so it is printed without a prefix.</param>
internal sealed class UsageException(string message, bool located = false) : Exception(message)
{
    public bool Located { get; } = located;
}
