namespace P.Store;

/// <summary>
/// The client's own directories (0700) and files (0600), whatever the umask:
/// job records hold commands, often with tokens in them, and another user who
/// could take a watcher's lock could stop all completion tracking.
/// </summary>
internal static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates the directory (and missing parents) 0700, or takes group and other access away from one an older p made.</summary>
    public static void EnsureDirectory(string path)
    {
        if (!Directory.Exists(path))
        {
            // CreateDirectory gives missing parents the umask's mode, not ours.
            if (Path.GetDirectoryName(path) is { } parent && !Directory.Exists(parent))
            {
                EnsureDirectory(parent);
            }
            Directory.CreateDirectory(path, DirectoryMode);
        }
        else if ((File.GetUnixFileMode(path) & Others) != 0)
        {
            File.SetUnixFileMode(path, DirectoryMode);
        }
    }

    /// <summary>Opens (or creates, 0600) a file in a private directory.</summary>
    public static FileStream Open(string path, System.IO.FileMode mode, FileAccess access, FileShare share = FileShare.Read)
    {
        EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new FileStream(path, new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            UnixCreateMode = mode is System.IO.FileMode.Open or System.IO.FileMode.Truncate ? null : FileMode,
        });
    }
}
