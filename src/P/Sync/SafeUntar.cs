using System.Formats.Tar;
using P.Cli;

namespace P.Sync;

/// <summary>
/// Unpacks what `p pull` receives into one destination directory and never
/// writes outside it: entry names are relative and stay inside, nothing is
/// written through a symbolic link (one the archive made, or one that was
/// there), and whatever is in an entry's way is replaced, as rsync -a does.
/// The destination is made when the first entry arrives, so a refused pull
/// leaves nothing behind.
/// </summary>
internal sealed class SafeUntar(string destination)
{
    private readonly string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));

    public async Task ExtractAsync(Stream archive, CancellationToken ct)
    {
        await using var reader = new TarReader(archive);
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            if (Relative(entry.Name) is not { } name)
            {
                continue;
            }
            Directory.CreateDirectory(root);
            var path = Path.Combine(root, name);
            EnsureParents(name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    if (!IsRealDirectory(path))
                    {
                        Remove(path);
                        Directory.CreateDirectory(path);
                    }
                    File.SetUnixFileMode(path, entry.Mode);
                    break;
                case TarEntryType.SymbolicLink:
                    Remove(path);
                    File.CreateSymbolicLink(path, entry.LinkName);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    Remove(path);
                    await using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = entry.Mode }))
                    {
                        if (entry.DataStream is { } data)
                        {
                            await data.CopyToAsync(file, ct);
                        }
                    }
                    File.SetLastWriteTimeUtc(path, entry.ModificationTime.UtcDateTime);
                    break;
                case TarEntryType.HardLink when Relative(entry.LinkName) is { } target && IsRealFile(Path.Combine(root, target)):
                    Remove(path);
                    File.Copy(Path.Combine(root, target), path);
                    break;
                default:
                    // Devices, FIFOs: nothing a pull should make.
                    break;
            }
        }
    }

    // "./a/b" → "a/b"; null for the root itself; refused when it is absolute or climbs out.
    private static string? Relative(string entryName)
    {
        var parts = entryName.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (entryName.StartsWith('/') || parts.Contains(".."))
        {
            throw new UserError($"pull refused: the worker sent '{entryName}', which is not inside the destination.");
        }
        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    // Every directory between the root and the entry must be a real one: a
    // symlink there (from the archive or from before) would lead the write out.
    private void EnsureParents(string name)
    {
        var at = root;
        foreach (var part in name.Split('/')[..^1])
        {
            at = Path.Combine(at, part);
            if (!IsRealDirectory(at))
            {
                Remove(at);
                Directory.CreateDirectory(at);
            }
        }
    }

    private static bool IsRealDirectory(string path) =>
        new DirectoryInfo(path) is { Exists: true, LinkTarget: null };

    private static bool IsRealFile(string path) =>
        new FileInfo(path) is { Exists: true, LinkTarget: null };

    // Whatever is in the way: a symlink is removed itself, never followed.
    private static void Remove(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            info.Delete();
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
