namespace Kindling.Dns.Zones;

/// <summary>An error in a zone file, reported as <c>file:line:column: what is wrong</c>.</summary>
internal sealed class ZoneFileException(string file, int line, int column, string what)
    : DnsFormatException($"{file}:{line}:{column}: {what}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public int Column { get; } = column;

    public string What { get; } = what;
}
