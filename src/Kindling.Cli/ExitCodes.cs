namespace Kindling.Cli;

/// <summary>The exit codes every <c>kindling</c> command uses, as DCE's installer does.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Failure while running (a peer down, a write failed, a check did not pass).</summary>
    public const int Failure = 1;

    /// <summary>Invalid input: configuration, flags, or arguments.</summary>
    public const int InvalidInput = 2;
}
