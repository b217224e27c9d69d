using System.Globalization;
using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text;

namespace P.Sync;

/// <summary>One path a sync sends, as lstat saw it on the client.</summary>
internal sealed record ManifestEntry(string Path, FileStat Stat, string? Target)
{
    /// <summary>Whether the worker's copy of <paramref name="before"/> must be replaced to become this.</summary>
    public bool DiffersFrom(ManifestEntry before) =>
        Stat.Kind != before.Stat.Kind || Stat.Mode != before.Stat.Mode || Stat.Kind switch
        {
            // A directory's times change with its contents, which are entries of their own.
            FileKind.Directory => false,
            FileKind.Symlink => Target != before.Target,
            // ctime and inode too: an edit that keeps size and mtime still moves ctime.
            _ => Stat.Size != before.Stat.Size || Stat.ModifiedNs != before.Stat.ModifiedNs
                || Stat.ChangedNs != before.Stat.ChangedNs || Stat.Inode != before.Stat.Inode,
        };
}

/// <summary>
/// Every path a sync of one client directory sends (rsync's view of git's
/// file list: the listed paths, their parent directories, and whatever is
/// under a listed directory), with what lstat says of each. Its hash names
/// the state the worker's mirror of that directory is in.
/// </summary>
internal sealed class Manifest
{
    private const char Separator = '\t';

    private Manifest(SortedDictionary<string, ManifestEntry> entries)
    {
        Entries = entries;
        var text = new StringBuilder(entries.Count * 96);
        foreach (var entry in entries.Values)
        {
            AppendLine(text, entry);
        }
        Bytes = Encoding.UTF8.GetBytes(text.ToString());
        Hash = Convert.ToHexStringLower(SHA256.HashData(Bytes))[..32];
    }

    public IReadOnlyDictionary<string, ManifestEntry> Entries { get; }

    public byte[] Bytes { get; }

    public string Hash { get; }

    /// <summary>
    /// The manifest of <paramref name="root"/> for the NUL-separated <paramref name="listed"/>
    /// paths, or null when the tree holds what only rsync should carry
    /// (devices, FIFOs, names with a newline or a tab).
    /// </summary>
    public static Manifest? Build(string root, byte[] listed)
    {
        var entries = new SortedDictionary<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (var path in Encoding.UTF8.GetString(listed).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var relative = path.TrimEnd('/');
            if (!AddWithParents(root, relative, entries))
            {
                return null;
            }
            if (entries.TryGetValue(relative, out var entry) && entry.Stat.Kind == FileKind.Directory && !AddTree(root, relative, entries))
            {
                return null;
            }
        }
        return new Manifest(entries);
    }

    /// <summary>Reads what <see cref="Bytes"/> wrote; null if it is not one.</summary>
    public static Manifest? Parse(byte[] bytes)
    {
        var entries = new SortedDictionary<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(Separator);
            var numbers = fields[0].Split(' ');
            var invariant = CultureInfo.InvariantCulture;
            if (fields.Length != 3 || numbers.Length != 6 || !Enum.TryParse<FileKind>(numbers[0], out var kind)
                || !int.TryParse(numbers[1], invariant, out var mode) || !long.TryParse(numbers[2], invariant, out var size)
                || !long.TryParse(numbers[3], invariant, out var modified) || !long.TryParse(numbers[4], invariant, out var changed)
                || !ulong.TryParse(numbers[5], invariant, out var inode))
            {
                return null;
            }
            var stat = new FileStat(kind, mode, size, modified, changed, inode);
            entries[fields[1]] = new ManifestEntry(fields[1], stat, kind == FileKind.Symlink ? fields[2] : null);
        }
        return new Manifest(entries);
    }

    // The kind's name, as Enum.ToString would give it, without its cost per line.
    private static readonly string[] KindNames = [.. Enum.GetValues<FileKind>().Select(k => k.ToString())];

    private static void AppendLine(StringBuilder text, ManifestEntry e)
    {
        var invariant = CultureInfo.InvariantCulture;
        text.Append(KindNames[(int)e.Stat.Kind]).Append(' ')
            .Append(e.Stat.Mode.ToString(invariant)).Append(' ')
            .Append(e.Stat.Size.ToString(invariant)).Append(' ')
            .Append(e.Stat.ModifiedNs.ToString(invariant)).Append(' ')
            .Append(e.Stat.ChangedNs.ToString(invariant)).Append(' ')
            .Append(e.Stat.Inode.ToString(invariant)).Append(Separator)
            .Append(e.Path).Append(Separator)
            .Append(e.Target).Append('\n');
    }

    private static bool AddWithParents(string root, string relative, SortedDictionary<string, ManifestEntry> entries)
    {
        for (var parent = Path.GetDirectoryName(relative); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
        {
            if (!entries.ContainsKey(parent) && !Add(root, parent, entries))
            {
                return false;
            }
        }
        return Add(root, relative, entries);
    }

    // Everything under a listed directory, as rsync -r sends it: a symlink to
    // a directory is an entry, not a directory to descend into.
    private static bool AddTree(string root, string directory, SortedDictionary<string, ManifestEntry> entries)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false };
        // Names only: the enumeration stats nothing; Add does, once.
        var names = new FileSystemEnumerable<string>(Path.Combine(root, directory), (ref FileSystemEntry entry) => entry.FileName.ToString(), options);
        foreach (var name in names)
        {
            var relative = directory + "/" + name;
            if (!Add(root, relative, entries))
            {
                return false;
            }
            if (entries.TryGetValue(relative, out var entry) && entry.Stat.Kind == FileKind.Directory && !AddTree(root, relative, entries))
            {
                return false;
            }
        }
        return true;
    }

    // A path that vanished since git listed it is skipped, as rsync --ignore-missing-args does.
    private static bool Add(string root, string relative, SortedDictionary<string, ManifestEntry> entries)
    {
        if (relative.Contains('\n') || relative.Contains(Separator))
        {
            return false;
        }
        var full = Path.Combine(root, relative);
        if (FileStat.Of(full) is not { } stat)
        {
            return true;
        }
        if (stat.Kind == FileKind.Special)
        {
            return false;
        }
        var target = stat.Kind == FileKind.Symlink ? new FileInfo(full).LinkTarget : null;
        if (target is not null && (target.Contains('\n') || target.Contains(Separator)))
        {
            return false;
        }
        entries[relative] = new ManifestEntry(relative, stat, target);
        return true;
    }
}
