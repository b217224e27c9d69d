using System.Runtime.InteropServices;

namespace P.Cli;

/// <summary>
/// The process's stdin, stdout and stderr as plain read(2)/write(2) streams.
/// Writing through .NET's console streams initialises its terminal support,
/// which switches the user's keypad to application mode and never switches it
/// back; and a FileStream on a regular file writes at offsets of its own, so
/// `p -- make &gt;log 2&gt;&amp;1` would have stdout and stderr overwrite each other.
/// </summary>
internal static class StandardStreams
{
    public static Stream Input() => new DescriptorStream(0, FileAccess.Read);

    public static Stream Output() => new DescriptorStream(1, FileAccess.Write);

    public static Stream Error() => new DescriptorStream(2, FileAccess.Write);
}

/// <summary>A file descriptor p does not own, read and written as it is, wherever it points.</summary>
internal sealed partial class DescriptorStream(int fd, FileAccess access) : Stream
{
    private const int EINTR = 4;

    public override bool CanRead => access == FileAccess.Read;
    public override bool CanSeek => false;
    public override bool CanWrite => access == FileAccess.Write;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            var n = SysRead(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length);
            if (n >= 0)
            {
                return (int)n;
            }
            Fail();
        }
    }

    // A blocking read of a terminal must not hold up the caller.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Task.Run(() => Read(buffer.Span), cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = SysWrite(fd, in MemoryMarshal.GetReference(buffer), buffer.Length);
            if (n >= 0)
            {
                buffer = buffer[(int)n..];
                continue;
            }
            Fail();
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private static void Fail()
    {
        var errno = Marshal.GetLastPInvokeError();
        if (errno != EINTR)
        {
            throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
        }
    }

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint SysRead(int fd, ref byte buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint SysWrite(int fd, in byte buffer, nint count);
}
