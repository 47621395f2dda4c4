namespace Kindling.Replication;

/// <summary>
/// Sync or verify cannot go on: a node cannot be reached, answers something unexpected, or refuses a write. The
/// message says what failed, where (the URL, the repository and digest) and, where it can, what to do.
/// </summary>
public sealed class ReplicationException(string message, Exception? inner = null) : Exception(message, inner);
