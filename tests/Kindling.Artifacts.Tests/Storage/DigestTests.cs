using System.Security.Cryptography;
using CsCheck;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Tests.Storage;

public class DigestTests
{
    [Fact]
    public void TryParse_AnySha256_RoundTrips() =>
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            var digest = Digest.Of(bytes);
            Assert.True(Digest.TryParse(digest.Value, out var parsed, out _));
            Assert.Equal(digest, parsed);
            Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), digest.Value);
        });

    [Theory]
    [InlineData("sha512:abcd", "not supported")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e", "not supported")]
    [InlineData("sha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789", "lowercase")]
    [InlineData("sha256:../../etc/passwd", "lowercase")]
    [InlineData("sha256:abc", "lowercase")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "form")]
    [InlineData("", "empty")]
    public void TryParse_Invalid_SaysWhy(string text, string reason)
    {
        Assert.False(Digest.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ArbitraryText_NeverThrowsAndOnlyAcceptsCanonical() =>
        Gen.String.Sample(text =>
        {
            if (Digest.TryParse(text, out var digest, out _))
            {
                Assert.Equal(text, digest.Value.Value);
                Assert.Equal(64, digest.Value.Hex.Length);
            }
        });
}
