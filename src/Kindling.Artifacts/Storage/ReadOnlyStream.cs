namespace Kindling.Artifacts.Storage;

/// <summary>
/// The base of the forward-only, read-only streams that wrap a body while it is checked or decoded (verified blobs,
/// aws-chunked bodies, concatenated parts, package readers): no seeking, no writing, no length unless a subclass
/// knows it.
/// </summary>
public abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
