namespace Kindling.Replication.Clients;

/// <summary>One file of a client configuration: where it goes (relative to <c>--out</c>) and its text.</summary>
public sealed record GeneratedFile(string Path, string Text);
