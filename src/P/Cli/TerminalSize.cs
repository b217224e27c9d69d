using System.Runtime.InteropServices;

namespace P.Cli;

/// <summary>
/// The terminal's width from the kernel (TIOCGWINSZ). Console.WindowWidth
/// would initialise .NET's terminal support, which leaves the user's keypad in
/// application mode after p exits.
/// </summary>
internal static partial class TerminalSize
{
    private const int StdoutFd = 1;
    private const ulong TiocGetWindowSize = 0x5413; // Linux

    public static int Columns() =>
        GetWindowSize(StdoutFd, TiocGetWindowSize, out var size) == 0 && size.Columns > 0
            ? size.Columns
            : throw new IOException("the terminal did not report its size");

    [StructLayout(LayoutKind.Sequential)]
    private struct WindowSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int GetWindowSize(int fd, ulong request, out WindowSize size);
}
