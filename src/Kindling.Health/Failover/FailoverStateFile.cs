using System.Text.Json;
using Kindling.Health.Observability;

namespace Kindling.Health.Failover;

/// <summary>
/// Keeps each record's active side, mode and hold-down across restarts in one small JSON file, replaced
/// atomically (write a temporary file, fsync, rename) so a crash leaves the old or the new state, never half:
/// <code>
/// { "version": 1, "records": [ { "name": "www.example.com.", "active": "backup", "mode": "auto",
///   "activeSince": "...", "holdDown": "00:00:20", "lastRecoveredAt": "...", "transitions": 3 } ] }
/// </code>
/// </summary>
public sealed class FailoverStateFile(string path)
{
    private readonly Lock _writeLock = new();

    public string Path { get; } = path;

    /// <summary>The saved states by record name; empty when the file does not exist yet.</summary>
    public IReadOnlyDictionary<string, FailoverRecordState> Load()
    {
        if (!File.Exists(Path))
        {
            return new Dictionary<string, FailoverRecordState>();
        }

        try
        {
            var document = JsonSerializer.Deserialize(File.ReadAllText(Path), HealthJson.Default.FailoverStateDocument);
            if (document is null || document.Version != 1)
            {
                throw new InvalidDataException($"{Path}: unsupported failover state (expected \"version\": 1); move the file away to start from the primary");
            }

            return document.Records.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Path}:{(e.LineNumber ?? 0) + 1}: the failover state is not valid JSON ({e.Message}); move the file away to start from the primary", e);
        }
    }

    public void Save(IEnumerable<FailoverRecordState> states)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new FailoverStateDocument { Records = [.. states] }, HealthJson.Default.FailoverStateDocument);
        lock (_writeLock)
        {
            DurableFile.WriteAllBytes(Path, bytes);
        }
    }
}
