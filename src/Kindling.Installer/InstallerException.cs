namespace Kindling.Installer;

/// <summary>A failure while installing that the operator can act on; the message says what and where.</summary>
public sealed class InstallerException : Exception
{
    public InstallerException(string message)
        : base(message)
    {
    }

    public InstallerException()
    {
    }

    public InstallerException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
