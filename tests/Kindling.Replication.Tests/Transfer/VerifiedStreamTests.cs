using System.Security.Cryptography;
using CsCheck;
using Kindling.Artifacts.Storage;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Tests.Transfer;

public class VerifiedStreamTests
{
    [Fact]
    public void Read_MatchingContent_PassesEveryByte()
    {
        Gen.Byte.Array[0, 5000].Sample(bytes =>
        {
            using var stream = Open(bytes, Digest.Of(bytes), bytes.Length);
            var copy = new MemoryStream();
            stream.CopyTo(copy, 333);
            Assert.Equal(bytes, copy.ToArray());
        });
    }

    [Fact]
    public void Read_OneByteFlipped_ThrowsBeforeTheLastBytesAreHandedOut()
    {
        Gen.Select(Gen.Byte.Array[1, 5000], Gen.Int.NonNegative).Sample((bytes, at) =>
        {
            var digest = Digest.Of(bytes);
            var corrupt = (byte[])bytes.Clone();
            corrupt[at % corrupt.Length] ^= 0x01;
            using var stream = Open(corrupt, digest, corrupt.Length);
            var handedOut = 0L;
            var buffer = new byte[100];
            var error = Assert.Throws<CorruptContentException>(() =>
            {
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    handedOut += n;
                }
            });
            Assert.True(handedOut < corrupt.Length, "the final read, which completes the content, never returns");
            Assert.Contains(digest.Value, error.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Read_SourceShorterOrLongerThanAnnounced_Throws()
    {
        var bytes = RandomNumberGenerator.GetBytes(1000);
        using (var shorter = Open(bytes[..900], Digest.Of(bytes), 1000))
        {
            Assert.Throws<CorruptContentException>(() => shorter.CopyTo(Stream.Null));
        }

        using var longer = Open(bytes, Digest.Of(bytes.AsSpan(0, 900)), 900);
        Assert.Throws<CorruptContentException>(() => longer.CopyTo(Stream.Null));
    }

    private static VerifiedStream Open(byte[] content, Digest digest, long length) =>
        new(new MemoryStream(content), new MemoryStream(), HashAlgorithmName.SHA256, Convert.FromHexString(digest.Hex), digest.Value, length, "https://node/v2/x/blobs/" + digest);
}
