namespace Kindling.Dns;

/// <summary>
/// Malformed DNS data: a message, name, record or zone-file text that does not follow its RFC. The only
/// exception the parsers throw for bad input (fuzz targets check exactly that).
/// </summary>
public class DnsFormatException(string message) : Exception(message);
