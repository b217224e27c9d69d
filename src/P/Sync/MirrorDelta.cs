using System.Formats.Tar;
using System.Text;

namespace P.Sync;

/// <summary>
/// What turns the worker's mirror of a directory from one manifest into the
/// next: the paths to delete (one per line; a path whose kind changed is
/// deleted, then sent again) and a tar of what was added or changed, with
/// modes and mtimes. It travels inside the start call, so an unchanged tree
/// costs no transfer at all and a small change no rsync session.
/// </summary>
internal sealed class MirrorDelta
{
    /// <summary>Larger changes go through rsync, which is better at them (and streams).</summary>
    public const int MaxInlineBytes = 8 << 20;

    private MirrorDelta(byte[] deletions, byte[] archive)
    {
        Deletions = deletions;
        Archive = archive;
    }

    public byte[] Deletions { get; }

    public byte[] Archive { get; }

    public bool IsEmpty => Deletions.Length == 0 && Archive.Length == 0;

    /// <summary>The delta from <paramref name="before"/> to <paramref name="after"/>, read from <paramref name="root"/>; null when it is too large to send inline.</summary>
    public static MirrorDelta? Between(Manifest before, Manifest after, string root)
    {
        var deleted = new List<string>();
        foreach (var (path, old) in before.Entries)
        {
            var gone = !after.Entries.TryGetValue(path, out var now) || now.Stat.Kind != old.Stat.Kind;
            // Deleting a directory deletes what is under it.
            if (gone && !deleted.Any(d => path.StartsWith(d + "/", StringComparison.Ordinal)))
            {
                deleted.Add(path);
            }
        }
        var changed = after.Entries.Values
            .Where(e => !before.Entries.TryGetValue(e.Path, out var old) || e.DiffersFrom(old))
            .ToList();
        if (changed.Where(e => e.Stat.Kind == FileKind.File).Sum(e => e.Stat.Size) > MaxInlineBytes)
        {
            return null;
        }
        var archive = changed.Count == 0 ? [] : Pack(changed, root);
        return archive.Length > MaxInlineBytes
            ? null
            : new MirrorDelta(Encoding.UTF8.GetBytes(string.Concat(deleted.Select(d => d + "\n"))), archive);
    }

    private static byte[] Pack(IEnumerable<ManifestEntry> entries, string root)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                var full = Path.Combine(root, entry.Path);
                var tar = new PaxTarEntry(entry.Stat.Kind switch
                {
                    FileKind.Directory => TarEntryType.Directory,
                    FileKind.Symlink => TarEntryType.SymbolicLink,
                    _ => TarEntryType.RegularFile,
                }, entry.Path)
                {
                    Mode = (UnixFileMode)entry.Stat.Mode,
                    ModificationTime = DateTimeOffset.UnixEpoch.AddTicks(entry.Stat.ModifiedNs / 100),
                };
                if (entry.Stat.Kind == FileKind.Symlink)
                {
                    tar.LinkName = entry.Target ?? "";
                }
                using var content = entry.Stat.Kind == FileKind.File ? OpenOrEmpty(full) : null;
                if (content is not null)
                {
                    tar.DataStream = content;
                }
                writer.WriteEntry(tar);
            }
        }
        return buffer.ToArray();
    }

    // A file that vanished after it was listed is sent empty; the next run's
    // manifest sees it gone and deletes it.
    private static Stream OpenOrEmpty(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new MemoryStream();
        }
    }
}
