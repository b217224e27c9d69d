using Microsoft.Win32.SafeHandles;

namespace P.Cli;

/// <summary>
/// The process's stdin, stdout and stderr as plain file streams. Writing
/// through .NET's console streams initialises its terminal support, which
/// switches the user's keypad to application mode and never switches it back.
/// </summary>
internal static class StandardStreams
{
    public static Stream Input() => Open(0, FileAccess.Read);

    public static Stream Output() => Open(1, FileAccess.Write);

    public static Stream Error() => Open(2, FileAccess.Write);

    private static FileStream Open(int fd, FileAccess access) =>
        new(new SafeFileHandle(fd, ownsHandle: false), access, bufferSize: 0);
}
