using P.Store;
using P.Tests.Support;

namespace P.Tests.Store;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Writing_creates_the_directory_and_the_file()
    {
        var path = dir.Combine("a", "b", "file.txt");

        AtomicFile.WriteAllText(path, "ü€ content\n");

        Assert.Equal("ü€ content\n", File.ReadAllText(path));
    }

    [Fact]
    public void Repeated_writes_leave_only_the_target_with_the_last_content()
    {
        var path = dir.Combine("file.json");

        for (var i = 0; i < 5; i++)
        {
            AtomicFile.WriteAllText(path, $"version {i}");
        }

        Assert.Equal("version 4", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_failed_replace_leaves_no_temporary_file_behind()
    {
        // A directory where the file should go makes the final rename fail.
        var path = dir.Combine("target");
        Directory.CreateDirectory(path);

        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(path, "content"));

        Assert.Equal([path], Directory.GetFileSystemEntries(dir.Path));
        Assert.Empty(Directory.GetFileSystemEntries(path));
    }
}
