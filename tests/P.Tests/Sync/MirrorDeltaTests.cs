using System.Formats.Tar;
using System.Text;
using P.Sync;

namespace P.Tests.Sync;

/// <summary>The manifest of a tree and the delta between two of them, on real files.</summary>
public sealed class MirrorDeltaTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("p-delta-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void An_unchanged_tree_gives_the_same_hash_and_an_empty_delta()
    {
        Write("a.txt", "A");
        Write("sub/b.txt", "B");
        var before = Build("a.txt", "sub/b.txt");
        var after = Build("a.txt", "sub/b.txt");

        Assert.Equal(before.Hash, after.Hash);
        Assert.True(MirrorDelta.Between(before, after, root)!.IsEmpty);
        Assert.Equal(["a.txt", "sub", "sub/b.txt"], before.Entries.Keys);
    }

    [Fact]
    public void An_edit_that_keeps_size_and_mtime_is_still_sent()
    {
        Write("a.txt", "A");
        var before = Build("a.txt");
        var mtime = File.GetLastWriteTimeUtc(Path.Combine(root, "a.txt"));
        Write("a.txt", "Z");
        File.SetLastWriteTimeUtc(Path.Combine(root, "a.txt"), mtime);

        var delta = MirrorDelta.Between(before, Build("a.txt"), root)!;

        Assert.Equal([("a.txt", "Z")], Entries(delta));
    }

    [Fact]
    public void A_file_that_becomes_a_directory_is_deleted_then_sent_with_its_contents_and_modes()
    {
        Write("x", "file");
        Write("gone/old.txt", "old");
        var before = Build("x", "gone/old.txt");
        File.Delete(Path.Combine(root, "x"));
        Directory.Delete(Path.Combine(root, "gone"), recursive: true);
        Write("x/inner.sh", "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(root, "x/inner.sh"), (UnixFileMode)0b111_101_000);
        File.CreateSymbolicLink(Path.Combine(root, "link"), "x/inner.sh");

        var delta = MirrorDelta.Between(before, Build("x/inner.sh", "link"), root)!;

        Assert.Equal("gone\nx\n", Encoding.UTF8.GetString(delta.Deletions));
        var entries = Read(delta).ToDictionary(e => e.Name);
        Assert.Equal(TarEntryType.Directory, entries["x"].EntryType);
        Assert.Equal((UnixFileMode)0b111_101_000, entries["x/inner.sh"].Mode);
        Assert.Equal(("x/inner.sh", TarEntryType.SymbolicLink), (entries["link"].LinkName, entries["link"].EntryType));
    }

    [Fact]
    public void A_change_too_large_to_send_inline_is_left_to_rsync()
    {
        Write("small", "s");
        var before = Build("small");
        File.WriteAllBytes(Path.Combine(root, "big"), new byte[MirrorDelta.MaxInlineBytes + 1]);

        Assert.Null(MirrorDelta.Between(before, Build("small", "big"), root));
    }

    [Fact]
    public void A_stored_manifest_reads_back_the_same_and_garbage_is_refused()
    {
        Write("a b.txt", "A");
        File.CreateSymbolicLink(Path.Combine(root, "l"), "a b.txt");
        var manifest = Build("a b.txt", "l");

        Assert.Equal(manifest.Hash, Manifest.Parse(manifest.Bytes)!.Hash);
        Assert.Null(Manifest.Parse("not a manifest\n"u8.ToArray()));
    }

    [Fact]
    public void Names_only_rsync_should_carry_give_no_manifest()
    {
        Write("new\nline", "x");

        Assert.Null(Build("new\nline"));
    }

    [Fact]
    public void Under_a_listed_directory_a_symlink_to_a_directory_is_an_entry_not_descended_into()
    {
        Write(".git/HEAD", "ref");
        Write("elsewhere/secret", "s");
        File.CreateSymbolicLink(Path.Combine(root, ".git", "link"), "../elsewhere");

        var manifest = Build(".git");

        Assert.Equal([".git", ".git/HEAD", ".git/link"], manifest.Entries.Keys);
        Assert.Equal(FileKind.Symlink, manifest.Entries[".git/link"].Stat.Kind);
    }

    private Manifest Build(params string[] listed) =>
        Manifest.Build(root, Encoding.UTF8.GetBytes(string.Concat(listed.Select(p => p + "\0"))))!;

    private void Write(string relative, string content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static List<(string, string)> Entries(MirrorDelta delta) =>
        [.. Read(delta).Select(e => (e.Name, new StreamReader(e.DataStream!).ReadToEnd()))];

    private static List<TarEntry> Read(MirrorDelta delta)
    {
        using var reader = new TarReader(new MemoryStream(delta.Archive));
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            entries.Add(entry);
        }
        return entries;
    }
}
