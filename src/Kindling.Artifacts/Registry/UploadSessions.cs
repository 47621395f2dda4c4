using System.Collections.Concurrent;
using System.Text;
using Kindling.Artifacts.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Artifacts.Registry;

/// <summary>
/// Blob uploads in progress (OCI Distribution Specification v1.1, "Pushing blobs": POST, PATCH chunks, PUT to
/// close). Each session is a file in <c>uploads/&lt;id&gt;/data</c> hashed as it grows, so closing it needs no
/// second read; bytes received before a client vanished stay, and the client resumes from the offset that
/// <c>GET</c> reports. Sessions survive a restart (the hash is rebuilt from the file); idle ones expire. The file is
/// open only while a request writes to it, and the number of sessions is capped (<see cref="UploadLimits"/>).
/// </summary>
public sealed class UploadSessions
{
    /// <summary>The longest a session is kept idle (with bytes received).</summary>
    public static readonly TimeSpan IdleLimit = new UploadLimits().IdleLimit;

    private readonly ConcurrentDictionary<string, UploadSession> _open = new(StringComparer.Ordinal);
    private readonly RegistryStore _registry;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _starting = new();

    private UploadSessions(RegistryStore registry, string directory, ILogger logger, TimeProvider time)
    {
        _registry = registry;
        Directory = directory;
        _logger = logger;
        _time = time;
    }

    /// <summary><c>DIR/store/uploads</c>.</summary>
    public string Directory { get; }

    public int OpenCount => _open.Count;

    /// <summary>Caps on sessions; <c>kindling node serve</c> sets them from its options.</summary>
    public UploadLimits Limits { get; set; } = new();

    public static UploadSessions Open(RegistryStore registry, ILogger? logger = null, TimeProvider? time = null)
    {
        var sessions = new UploadSessions(registry, Path.Combine(registry.Blobs.Root, "uploads"), logger ?? NullLogger.Instance, time ?? TimeProvider.System);
        System.IO.Directory.CreateDirectory(sessions.Directory);
        sessions.Expire();
        return sessions;
    }

    /// <summary>
    /// Opens a session for <paramref name="client"/> (its address, for the per-client cap); 429 TOOMANYREQUESTS
    /// when the node or the client has as many sessions in progress as allowed.
    /// </summary>
    public UploadSession Start(string name, string client = "")
    {
        RepositoryNames.CheckName(name);
        Expire();
        var limits = Limits;
        lock (_starting)
        {
            if (_open.Count >= limits.MaxOpen)
            {
                throw TooMany($"the node has {_open.Count} blob uploads in progress, its limit");
            }

            var mine = _open.Values.Count(s => s.Client == client);
            if (mine >= limits.MaxPerClient)
            {
                throw TooMany($"this client has {mine} blob uploads in progress, the limit per client");
            }

            var id = Guid.NewGuid().ToString("N");
            var folder = Path.Combine(Directory, id);
            BlobWriter writer;
            try
            {
                System.IO.Directory.CreateDirectory(folder);
                DurableFile.WriteAllText(Path.Combine(folder, "repository"), name);
                writer = BlobWriter.Resume(Path.Combine(folder, "data"));
                writer.Suspend();
            }
            catch (IOException e) when (StorageFullException.IsDiskFull(e))
            {
                DeleteFolder(folder);
                throw _registry.Blobs.Full($"starting a blob upload to '{name}'", e);
            }

            var session = new UploadSession(id, name, writer, _time.GetUtcNow()) { Client = client };
            _open[id] = session;
            return session;
        }
    }

    private RegistryException TooMany(string what) =>
        new(RegistryErrorCode.TooManyRequests, 429,
            $"{what}: finish or cancel (DELETE) uploads before starting more; idle ones are dropped after {Limits.EmptyIdleLimit.TotalMinutes:0} min without data, {Limits.IdleLimit.TotalHours:0} h with data");

    /// <summary>The session <paramref name="id"/> of repository <paramref name="name"/>, reopened from disk after a restart.</summary>
    public UploadSession Get(string name, string id)
    {
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower))
        {
            throw RegistryException.UploadUnknown(RepositoryNames.Shorten(id));
        }

        if (!_open.TryGetValue(id, out var session))
        {
            var folder = Path.Combine(Directory, id);
            var owner = Path.Combine(folder, "repository");
            if (!File.Exists(owner))
            {
                throw RegistryException.UploadUnknown(id);
            }

            var writer = BlobWriter.Resume(Path.Combine(folder, "data"));
            writer.Suspend();
            var resumed = new UploadSession(id, Encoding.UTF8.GetString(File.ReadAllBytes(owner)).Trim(), writer, _time.GetUtcNow());
            session = _open.GetOrAdd(id, resumed);
            if (!ReferenceEquals(session, resumed))
            {
                resumed.Writer.Dispose();
            }
        }

        if (session.Name != name)
        {
            throw RegistryException.UploadUnknown(id);
        }

        return session;
    }

    /// <summary>
    /// Appends a request body at <paramref name="start"/> (the spec's Content-Range start; null appends). A start
    /// other than the current offset is refused with 416 and the offset, so the client can resume from there.
    /// </summary>
    public async Task AppendAsync(UploadSession session, Stream body, long? start, CancellationToken cancellationToken)
    {
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            if (session.Closed)
            {
                throw RegistryException.UploadUnknown(session.Id);
            }

            if (start is { } at && at != session.Writer.Length)
            {
                throw new RegistryException(RegistryErrorCode.RangeInvalid, 416,
                    $"chunk starts at byte {at}, but upload {session.Id} holds {session.Writer.Length} bytes: send the chunk starting at {session.Writer.Length}");
            }

            session.Touch(_time.GetUtcNow());
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    // Each piece is on disk and in the hash before the next is read: a client that vanishes
                    // leaves a consistent prefix to resume from.
                    await session.Writer.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None);
                }
            }
            catch (IOException e) when (StorageFullException.IsDiskFull(e))
            {
                // A full disk is no pause to resume from: the bytes received so far would hold the space until the
                // session expires (a day), failing every other write meanwhile. The session goes now.
                var offset = session.Writer.Length;
                session.Closed = true;
                Remove(session);
                _logger.LogWarning("upload {Id} to {Repository} removed at byte {Offset}: the disk is full", session.Id, session.Name, offset);
                throw _registry.Blobs.Full($"blob upload {session.Id} to '{session.Name}' (removed after {offset} bytes; start a new upload)", e);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                session.Touch(_time.GetUtcNow());
                // No file handle held between requests.
                session.Writer.Suspend();
            }
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>Closes the upload: checks the digest, stores the blob, links it into the repository.</summary>
    public async Task<Digest> CompleteAsync(UploadSession session, Digest expected, CancellationToken cancellationToken)
    {
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            if (session.Closed)
            {
                throw RegistryException.UploadUnknown(session.Id);
            }

            session.Closed = true;
            try
            {
                var digest = _registry.Blobs.Commit(session.Writer, expected);
                _registry.LinkBlob(session.Name, digest);
                return digest;
            }
            catch (DigestMismatchException e)
            {
                throw RegistryException.DigestInvalid($"upload {session.Id} to '{session.Name}': {e.Message}; nothing was stored");
            }
            catch (IOException e) when (StorageFullException.IsDiskFull(e))
            {
                throw _registry.Blobs.Full($"storing blob {expected} of upload {session.Id} to '{session.Name}' (upload removed; start a new one)", e);
            }
            finally
            {
                Remove(session);
            }
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>
    /// Removes the upload (the client's DELETE, or a write refused for space): waits for a request still writing to
    /// it, as long as <paramref name="cancellationToken"/> allows.
    /// </summary>
    public async Task CancelAsync(UploadSession session, CancellationToken cancellationToken)
    {
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            session.Closed = true;
            Remove(session);
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private void Remove(UploadSession session)
    {
        _open.TryRemove(session.Id, out _);
        session.Writer.Dispose();
        DeleteFolder(Path.Combine(Directory, session.Id));
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Drops sessions idle longer than their limit (memory and disk): empty ones sooner.</summary>
    private void Expire()
    {
        var now = _time.GetUtcNow();
        var limits = Limits;
        foreach (var session in _open.Values)
        {
            var limit = session.Offset == 0 ? limits.EmptyIdleLimit : limits.IdleLimit;
            if (now - session.LastUsed > limit && session.Gate.Wait(0))
            {
                try
                {
                    session.Closed = true;
                    Remove(session);
                    _logger.LogInformation("upload {Id} to {Repository} expired after {Minutes} min idle", session.Id, session.Name, limit.TotalMinutes);
                }
                finally
                {
                    session.Gate.Release();
                }
            }
        }

        // Sessions left on disk by an earlier process. Another request may complete or cancel a session while this
        // lists the folder: a folder gone since the listing (its time reads as 1601) is no error and not expired.
        foreach (var folder in new DirectoryInfo(Directory).EnumerateDirectories())
        {
            if (_open.ContainsKey(folder.Name))
            {
                continue;
            }

            folder.Refresh();
            if (folder.Exists && now - folder.LastWriteTimeUtc > limits.IdleLimit && !_open.ContainsKey(folder.Name))
            {
                DeleteFolder(folder.FullName);
            }
        }
    }
}
