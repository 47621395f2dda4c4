namespace Kindling.Replication.Nodes;

/// <summary>A file in the node's <c>admin-credentials</c> format: one line <c>user:password</c>.</summary>
public static class CredentialsFile
{
    public static string Read(string path, string option)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReplicationException($"{option} {path}: cannot be read ({e.Message}); give a file with one line user:password, e.g. DATA/admin-credentials");
        }

        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < line.Length - 1
            ? line
            : throw new ReplicationException($"{path}:1: expected one line user:password (the format of DATA/admin-credentials)");
    }
}
