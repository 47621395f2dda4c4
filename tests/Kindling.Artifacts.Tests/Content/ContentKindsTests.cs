using Kindling.Artifacts.Content;

namespace Kindling.Artifacts.Tests.Content;

/// <summary>Issue 19: the kinds of content and their spellings, in one place. The literals here are the wire format and the CLI's words.</summary>
public class ContentKindsTests
{
    [Theory]
    [InlineData(ContentKind.Images, "registry", "images", "repositories")]
    [InlineData(ContentKind.Charts, "charts", "charts", "charts")]
    [InlineData(ContentKind.Files, "files", "files", "buckets")]
    public void Spellings(ContentKind kind, string service, string name, string parts)
    {
        Assert.Equal(service, kind.Service());
        Assert.Equal(name, kind.Name());
        Assert.Equal(parts, kind.Parts());
        Assert.Equal(kind, ContentKinds.FromService(service));
    }

    [Fact]
    public void ContentDigest_CoversTheServicesInTheKindsOrder()
    {
        Assert.Equal(["registry", "charts", "files"], ContentDigest.Services);
        Assert.Equal(ContentKinds.All.Select(k => k.Service()), ContentDigest.Services);
    }

    [Theory]
    [InlineData("images", ContentKind.Images)]
    [InlineData("Image", ContentKind.Images)]
    [InlineData("REGISTRY", ContentKind.Images)]
    [InlineData("charts", ContentKind.Charts)]
    [InlineData("chart", ContentKind.Charts)]
    [InlineData("files", ContentKind.Files)]
    [InlineData("File", ContentKind.Files)]
    public void TryParse_NamesSingularsAndServiceNames(string text, ContentKind expected)
    {
        Assert.True(ContentKinds.TryParse(text, out var kind));
        Assert.Equal(expected, kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("blobs")]
    [InlineData("imagess")]
    [InlineData("chartmuseum")]
    public void TryParse_AnythingElse_IsRefused(string text)
    {
        Assert.False(ContentKinds.TryParse(text, out _));
        Assert.Null(ContentKinds.FromService(text));
    }
}
