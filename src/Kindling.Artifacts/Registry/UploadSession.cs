using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Registry;

/// <summary>One blob upload in progress.</summary>
public sealed class UploadSession
{
    internal UploadSession(string id, string name, BlobWriter writer, DateTimeOffset now)
    {
        Id = id;
        Name = name;
        Writer = writer;
        LastUsed = now;
    }

    public string Id { get; }

    /// <summary>The repository the blob goes to.</summary>
    public string Name { get; }

    /// <summary>Bytes received so far.</summary>
    public long Offset => Writer.Length;

    internal BlobWriter Writer { get; }
    internal SemaphoreSlim Gate { get; } = new(1, 1);
    internal bool Closed { get; set; }
    internal DateTimeOffset LastUsed { get; private set; }

    /// <summary>The address that started it ("" when reopened after a restart).</summary>
    internal string Client { get; init; } = "";

    internal void Touch(DateTimeOffset now) => LastUsed = now;
}
