using System.Text;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Registry;

/// <summary>
/// A manifest held in memory: its bytes (served without opening a file), its media type and the strings the
/// HTTP answer needs, computed once. The same object is shared by every repository holding the digest.
/// </summary>
public sealed class StoredManifest
{
    public StoredManifest(Digest digest, string mediaType, byte[] content, ManifestDocument? document)
    {
        Digest = digest;
        MediaType = mediaType;
        Content = content;
        Document = document;
        ETag = $"\"{digest.Value}\"";
        ContentLength = content.Length;
    }

    public Digest Digest { get; }
    public string MediaType { get; }
    public byte[] Content { get; }
    public ManifestDocument? Document { get; }
    public string ETag { get; }
    public long ContentLength { get; }

    public Descriptor? Subject => Document?.Subject;

    /// <summary>The descriptor a referrers index lists for this manifest.</summary>
    public Descriptor AsDescriptor() => new(MediaType, Digest, Content.Length, Document?.ArtifactType, Document?.Annotations);

    public override string ToString() => $"{MediaType} {Digest} ({Content.Length} bytes): {Encoding.UTF8.GetString(Content, 0, Math.Min(Content.Length, 80))}";
}
