namespace Kindling.Dns.Zones;

/// <summary>A record read from a zone file, with where it came from.</summary>
public sealed record ZoneEntry(ResourceRecord Record, string File, int Line);
