using System.Runtime.InteropServices;

namespace P.Sync;

/// <summary>What lstat(2) says of one path, as far as a sync cares.</summary>
internal readonly partial record struct FileStat(FileKind Kind, int Mode, long Size, long ModifiedNs, long ChangedNs, ulong Inode)
{
    /// <summary>lstat through statx(2), whose layout is the same on every Linux architecture; null when the path is gone.</summary>
    public static FileStat? Of(string path)
    {
        // On the stack: a sync stats every path of the tree.
        Span<byte> buffer = stackalloc byte[StatxSize];
        int result;
        unsafe
        {
            fixed (byte* at = buffer)
            {
                result = Statx(AtCwd, path, AtSymlinkNoFollow, BasicStats, at);
            }
        }
        if (result != 0)
        {
            return null;
        }
        var mode = MemoryMarshal.Read<ushort>(buffer[28..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.File,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Special,
        };
        return new FileStat(kind, mode & 0xFFF, MemoryMarshal.Read<long>(buffer[40..]), Nanoseconds(buffer[112..]), Nanoseconds(buffer[96..]),
            MemoryMarshal.Read<ulong>(buffer[32..]));
    }

    // struct statx_timestamp { __s64 tv_sec; __u32 tv_nsec; }, in the machine's byte order
    private static long Nanoseconds(ReadOnlySpan<byte> at) =>
        MemoryMarshal.Read<long>(at) * 1_000_000_000 + MemoryMarshal.Read<uint>(at[8..]);

    private const int StatxSize = 256;
    private const int AtCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint BasicStats = 0x7ff;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}

internal enum FileKind
{
    File,
    Directory,
    Symlink,
    Special,
}
