using P.Core;

namespace P.Cli;

/// <summary>
/// `p ls` as a table in the style of `docker ps`. Only the COMMAND column
/// gives way to a narrow terminal: IDs, workers, statuses and durations are
/// what people scan for, and a cut-off command is still recognisable.
/// </summary>
internal static class JobTable
{
    /// <summary>Below this a command is no longer recognisable; the line wraps instead.</summary>
    public const int MinCommandWidth = 10;

    private const string Gap = "  ";
    private const int CommandColumn = 3;
    private const int StatusColumn = 4;

    private static readonly string[] Header = ["ID", "WORKER", "CWD", "COMMAND", "STATUS", "DURATION"];

    /// <summary>
    /// Writes <paramref name="jobs"/> in the order given. <paramref name="width"/>
    /// null means no terminal: commands are never cut.
    /// </summary>
    public static void Write(TextWriter output, IEnumerable<Job> jobs, DateTimeOffset now, string home, int? width, bool color)
    {
        var rows = jobs.Select(job => (
            Cells: new[] { job.ShortId, job.Worker, Printable(TildePath(job.Cwd, home)), Printable(CommandText.Display(job.Command)), StatusText(job), DurationText(job, now) },
            StatusColor: color ? StatusColor(job) : null)).ToList();
        var widths = Enumerable.Range(0, Header.Length)
            .Select(c => rows.Select(r => r.Cells[c].Length).Prepend(Header[c].Length).Max())
            .ToArray();
        if (width is { } columns)
        {
            var others = widths.Where((_, c) => c != CommandColumn).Sum() + (Gap.Length * (Header.Length - 1));
            widths[CommandColumn] = Math.Min(widths[CommandColumn], Math.Max(MinCommandWidth, columns - others));
        }
        WriteLine(output, Header, widths, null);
        foreach (var row in rows)
        {
            var cells = (string[])row.Cells.Clone();
            cells[CommandColumn] = CommandText.Truncate(cells[CommandColumn], widths[CommandColumn]);
            WriteLine(output, cells, widths, row.StatusColor);
        }
    }

    public static string StatusText(Job job) => job.Describe();

    /// <summary>
    /// A job that may still be running counts up to now; a lost job without an
    /// end time has no duration anyone knows.
    /// </summary>
    public static string DurationText(Job job, DateTimeOffset now) => job switch
    {
        { EndedAt: { } ended } => Durations.Format(ended - job.StartedAt),
        { Status: JobStatus.Starting or JobStatus.Running or JobStatus.Unknown } => Durations.Format(now - job.StartedAt),
        _ => "-",
    };

    /// <summary>The home directory as `~`, as a shell prompt shows it.</summary>
    public static string TildePath(string path, string home)
    {
        var root = home.TrimEnd('/');
        if (root.Length == 0)
        {
            return path;
        }
        if (path == root || path == root + "/")
        {
            return "~";
        }
        return path.StartsWith(root + "/", StringComparison.Ordinal) ? "~" + path[root.Length..] : path;
    }

    private static string? StatusColor(Job job) => job.Status switch
    {
        JobStatus.Starting or JobStatus.Running => Colors.Cyan,
        JobStatus.Done => job.ExitCode is null or 0 ? Colors.Green : Colors.Red,
        JobStatus.Stopped => Colors.Yellow,
        JobStatus.Unknown => Colors.Magenta,
        JobStatus.Lost => Colors.Dim,
        _ => null,
    };

    // A command or directory name can hold tabs, newlines or escape
    // sequences; printed raw they would break the table or the terminal.
    private static string Printable(string text) => string.Create(text.Length, text, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            span[i] = c is '\t' or '\n' or '\r' ? ' ' : char.IsControl(c) ? '?' : c;
        }
    });

    // Padding is computed on the plain text; the colour wraps only the word,
    // so escape codes never count toward a column's width.
    private static void WriteLine(TextWriter output, string[] cells, int[] widths, string? statusColor)
    {
        var parts = cells.Select((cell, c) =>
        {
            var padding = c == cells.Length - 1 ? "" : new string(' ', Math.Max(0, widths[c] - cell.Length));
            var text = c == StatusColumn && statusColor is not null ? Colors.Paint(cell, statusColor) : cell;
            return text + padding;
        });
        output.WriteLine(string.Join(Gap, parts).TrimEnd());
    }
}
