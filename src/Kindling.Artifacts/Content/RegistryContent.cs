using Kindling.Artifacts.Registry;

namespace Kindling.Artifacts.Content;

/// <summary>
/// Feeds the registry's tags into the <see cref="ContentDigest"/>: part = repository, entry = tag to manifest
/// digest. A tag fixes its whole image (the manifest digest covers its blobs' digests, an index its manifests'),
/// so tags are what two nodes must agree on; untagged manifests are not named content.
/// </summary>
public static class RegistryContent
{
    public static readonly string Service = ContentKind.Images.Service();

    /// <summary>Adds every current tag, then follows each tag change the store makes.</summary>
    public static void Track(RegistryStore registry, ContentDigest content)
    {
        registry.TagChanged += (repository, tag, digest) => content.Set(Service, repository, tag, digest?.Value);
        foreach (var repository in registry.Catalog(null, null))
        {
            foreach (var tag in registry.ListTags(repository, null, null))
            {
                content.Set(Service, repository, tag, registry.FindManifest(repository, tag)?.Digest.Value);
            }
        }
    }
}
