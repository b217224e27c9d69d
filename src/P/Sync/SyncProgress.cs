using System.Diagnostics;
using System.Text;

namespace P.Sync;

/// <summary>
/// Shows rsync's --info=progress2 on one terminal line, but only once the sync
/// has taken more than a moment: quick syncs stay silent.
/// </summary>
internal sealed class SyncProgress(TextWriter terminal, string what)
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(400);
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private bool shown;

    public async Task<string> FollowAsync(StreamReader output, CancellationToken ct)
    {
        var line = new StringBuilder();
        var buffer = new char[4096];
        int read;
        // progress2 rewrites its line with '\r', also when writing to a pipe.
        while ((read = await output.ReadAsync(buffer, ct)) > 0)
        {
            foreach (var c in buffer.AsSpan(0, read))
            {
                if (c is '\r' or '\n')
                {
                    Show(line.ToString().Trim());
                    line.Clear();
                }
                else
                {
                    line.Append(c);
                }
            }
        }
        return "";
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
