using Kindling.IO;
using Kindling.Testing;

namespace Kindling.Artifacts.Tests.Storage;

/// <summary>The one durable-write helper (src/Shared/DurableFile.cs): whole or nothing, never a temporary file left behind.</summary>
public class DurableFileTests
{
    [Fact]
    public void Write_CallbackFailsHalfway_OldContentKept_NoTemporaryFileLeft()
    {
        using var dir = new TempDirectory("kindling-durable");
        var path = dir.Write("state.json", "old");

        var error = Assert.Throws<IOException>(() => DurableFile.Write(path, stream =>
        {
            stream.Write("half of the new"u8);
            throw new IOException("disk full");
        }));

        Assert.Equal("disk full", error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["state.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task WriteAsync_FailsHalfway_NoTargetNoTemporaryFile_InTheTempFolderEither()
    {
        using var dir = new TempDirectory("kindling-durable");
        var temp = Path.Combine(dir.Path, "tmp");
        var path = Path.Combine(dir.Path, "store", "blob");

        await Assert.ThrowsAsync<OperationCanceledException>(() => DurableFile.WriteAsync(path, async (stream, ct) =>
        {
            await stream.WriteAsync(new byte[100_000], ct);
            throw new OperationCanceledException();
        }, tempDirectory: temp, cancellationToken: TestContext.Current.CancellationToken));

        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(temp));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void WriteAllBytes_ReplacesWhole_WithTheModeAsked_EvenUnderAWideUmaskDefault()
    {
        using var dir = new TempDirectory("kindling-durable");
        var path = dir.Write("admin-credentials", "old content, longer than the new");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);

        DurableFile.WriteAllText(path, "admin:new", DurableFile.OwnerOnly);

        Assert.Equal("admin:new", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(["admin-credentials"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteAllBytes_TargetFolderMissing_Created_TargetIsAFolder_FailsCleanly()
    {
        using var dir = new TempDirectory("kindling-durable");
        var nested = Path.Combine(dir.Path, "a", "b", "c.txt");
        Directory.CreateDirectory(Path.Combine(dir.Path, "folder"));

        DurableFile.WriteAllBytes(nested, "x"u8);
        Assert.ThrowsAny<IOException>(() => DurableFile.WriteAllBytes(Path.Combine(dir.Path, "folder"), "y"u8));

        Assert.Equal("x", File.ReadAllText(nested));
        Assert.Empty(Directory.GetFiles(dir.Path));
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "folder")));
    }
}
