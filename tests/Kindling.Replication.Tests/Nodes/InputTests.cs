using Kindling.Artifacts.Content;
using Kindling.Replication.Nodes;
using Kindling.Replication.Registry;
using Kindling.Replication.Sync;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Nodes;

/// <summary>What sync and verify take from the command line and from servers' headers.</summary>
public class InputTests
{
    [Theory]
    [InlineData("https://127.0.41.193:8443/v2/", "https://127.0.41.193:8443/")]
    [InlineData("127.0.41.193:8081", "https://127.0.41.193:8081/")]
    [InlineData("www.tinder-node-server.com", "https://www.tinder-node-server.com/")]
    public void ParseUrl_NodeUrls_GiveTheOrigin(string text, string origin) =>
        Assert.Equal(origin, new NodeEndpoints(NodeEndpoints.ParseUrl(text, "--from"), "n", null, null, null, true).Origin.ToString());

    [Theory]
    [InlineData("ftp://node")]
    [InlineData("https://")]
    [InlineData("")]
    public void ParseUrl_NotANodeUrl_SaysWhatToGive(string text)
    {
        var error = Assert.Throws<ReplicationException>(() => NodeEndpoints.ParseUrl(text, "--to"));
        Assert.Contains("--to", error.Message, StringComparison.Ordinal);
        Assert.Contains("https://HOST[:PORT]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseKinds_ListsAndRejectsUnknown()
    {
        Assert.Equal(new HashSet<ContentKind> { ContentKind.Images, ContentKind.Files }, SyncOptions.ParseKinds("images, files"));
        var error = Assert.Throws<ReplicationException>(() => SyncOptions.ParseKinds("images,isos"));
        Assert.Contains("'isos'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CredentialsFile_AdminCredentialsFormat_ReadsOneLine_ElseNamesFileAndLine()
    {
        using var dir = new TempDirectory("kindling-creds");
        Assert.Equal("admin:s3cret:x", CredentialsFile.Read(dir.Write("good", "admin:s3cret:x\n"), "--to-credentials"));
        var error = Assert.Throws<ReplicationException>(() => CredentialsFile.Read(dir.Write("bad", "admin\n"), "--to-credentials"));
        Assert.Contains(dir.File("bad") + ":1:", error.Message, StringComparison.Ordinal);
        Assert.Throws<ReplicationException>(() => CredentialsFile.Read(dir.File("missing"), "--to-credentials"));
    }

    [Fact]
    public void NodeTrust_FileWithoutCertificate_IsNamed()
    {
        using var dir = new TempDirectory("kindling-trust");
        var error = Assert.Throws<ReplicationException>(() => NodeTrust.FromFiles([dir.Write("ca.crt", "not a certificate\n")]));
        Assert.Contains(dir.File("ca.crt"), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("</v2/_catalog?n=2&last=b>; rel=\"next\"", "v2/_catalog?n=2&last=b")]
    [InlineData("<https://node:443/v2/x/tags/list?n=1&last=v1>; rel=\"next\"", "v2/x/tags/list?n=1&last=v1")]
    public void NextPage_LinkHeader_RelativeToTheBase(string link, string next)
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Link", link);
        Assert.Equal(next, RegistryClient.NextPage(response));
    }
}
