using System.Diagnostics;
using System.Text;
using P.Transport;

namespace P.Sync;

/// <summary>
/// Shows rsync's --info=progress2 (written to this stream) on one terminal
/// line, but only once the sync has taken more than a moment: quick syncs stay silent.
/// </summary>
internal sealed class SyncProgress(TextWriter terminal, string what) : WriteOnlyStream
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(400);
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly StringBuilder line = new();
    private bool shown;

    // progress2 rewrites its line with '\r', also when writing to a pipe; it is ASCII.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        foreach (var b in buffer.Span)
        {
            if (b is (byte)'\r' or (byte)'\n')
            {
                Show(line.ToString().Trim());
                line.Clear();
            }
            else
            {
                line.Append((char)b);
            }
        }
        return ValueTask.CompletedTask;
    }

    public void Clear()
    {
        if (shown)
        {
            terminal.Write("\r\u001b[K");
            terminal.Flush();
        }
    }

    private void Show(string progress)
    {
        if (progress.Length == 0 || !char.IsDigit(progress[0]) || clock.Elapsed < Delay)
        {
            return;
        }
        shown = true;
        terminal.Write($"\r\u001b[K{what} {progress}");
        terminal.Flush();
    }
}
