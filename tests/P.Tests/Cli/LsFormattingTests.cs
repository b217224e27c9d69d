using P.Cli;
using P.Core;

namespace P.Tests.Cli;

/// <summary>JobTable and TerminalWidth on their own, with a fixed clock.</summary>
public sealed class LsFormattingTests
{
    private const string Home = "/home/alice";
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Job MakeJob(
        string command = "make",
        JobStatus status = JobStatus.Done,
        int? exitCode = 0,
        TimeSpan? ago = null,
        TimeSpan? ran = null,
        string worker = "beefy",
        string cwd = "/home/alice/projects/foo")
    {
        var started = Now - (ago ?? TimeSpan.FromMinutes(5));
        return new Job
        {
            Id = Guid.NewGuid(),
            Worker = worker,
            Cwd = cwd,
            Command = [command],
            Status = status,
            ExitCode = exitCode,
            StartedAt = started,
            EndedAt = ran is { } r ? started + r : null,
        };
    }

    private static string Render(IEnumerable<Job> jobs, int? width = null, bool color = false)
    {
        using var output = new StringWriter();
        JobTable.Write(output, jobs, Now, Home, width, color);
        return output.ToString();
    }

    private static string[] Lines(string text) => text.TrimEnd('\n').Split('\n');

    [Fact]
    public void The_table_matches_the_spec_example()
    {
        var a = MakeJob("make", JobStatus.Running, null, ago: new TimeSpan(0, 2, 14)) with { Id = Guid.Parse("a3f2b091-1111-4111-8111-111111111111") };
        var b = MakeJob("cargo test", JobStatus.Done, 0, ran: new TimeSpan(0, 1, 3), cwd: "/home/alice/projects/bar") with { Id = Guid.Parse("7c91d302-1111-4111-8111-111111111111") };
        var c = MakeJob("./bench.sh", JobStatus.Done, 1, ran: new TimeSpan(0, 0, 47), worker: "cloud", cwd: "/home/alice/scripts") with { Id = Guid.Parse("b004f123-1111-4111-8111-111111111111") };

        var table = Render([a, b, c]);

        Assert.Equal(
            "ID        WORKER  CWD             COMMAND     STATUS    DURATION\n" +
            "a3f2b091  beefy   ~/projects/foo  make        running   0:02:14\n" +
            "7c91d302  beefy   ~/projects/bar  cargo test  done [0]  0:01:03\n" +
            "b004f123  cloud   ~/scripts       ./bench.sh  done [1]  0:00:47\n",
            table);
    }

    [Fact]
    public void An_empty_list_is_just_the_header()
    {
        Assert.Equal("ID  WORKER  CWD  COMMAND  STATUS  DURATION\n", Render([]));
    }

    [Theory]
    [InlineData(nameof(JobStatus.Starting), null, "starting")]
    [InlineData(nameof(JobStatus.Running), null, "running")]
    [InlineData(nameof(JobStatus.Done), 0, "done [0]")]
    [InlineData(nameof(JobStatus.Done), 3, "done [3]")]
    [InlineData(nameof(JobStatus.Done), null, "done")]
    [InlineData(nameof(JobStatus.Stopped), 143, "stopped")]
    [InlineData(nameof(JobStatus.Unknown), null, "unknown")]
    [InlineData(nameof(JobStatus.Lost), null, "lost")]
    public void Statuses_read_as_in_the_spec(string status, int? exitCode, string expected)
    {
        Assert.Equal(expected, JobTable.StatusText(MakeJob(status: Enum.Parse<JobStatus>(status), exitCode: exitCode)));
    }

    [Theory]
    [InlineData("/home/alice", "~")]
    [InlineData("/home/alice/", "~")]
    [InlineData("/home/alice/src/p", "~/src/p")]
    [InlineData("/home/alicia/src", "/home/alicia/src")]
    [InlineData("/srv/build", "/srv/build")]
    public void The_home_directory_reads_as_a_tilde(string path, string expected)
    {
        Assert.Equal(expected, JobTable.TildePath(path, "/home/alice"));
        Assert.Equal(expected, JobTable.TildePath(path, "/home/alice/"));
    }

    [Fact]
    public void A_root_home_is_not_abbreviated()
    {
        Assert.Equal("/srv/build", JobTable.TildePath("/srv/build", "/"));
    }

    [Fact]
    public void A_finished_job_lasts_from_start_to_end()
    {
        var job = MakeJob(status: JobStatus.Done, ago: TimeSpan.FromHours(30), ran: new TimeSpan(1, 2, 3));

        Assert.Equal("1:02:03", JobTable.DurationText(job, Now));
    }

    [Theory]
    [InlineData(nameof(JobStatus.Running))]
    [InlineData(nameof(JobStatus.Starting))]
    [InlineData(nameof(JobStatus.Unknown))]
    public void A_job_that_may_still_run_counts_up_to_now(string status)
    {
        var job = MakeJob(status: Enum.Parse<JobStatus>(status), exitCode: null, ago: new TimeSpan(27, 0, 9));

        Assert.Equal("27:00:09", JobTable.DurationText(job, Now));
    }

    [Fact]
    public void A_lost_job_without_an_end_has_no_duration()
    {
        Assert.Equal("-", JobTable.DurationText(MakeJob(status: JobStatus.Lost, exitCode: null), Now));
    }

    [Fact]
    public void A_stopped_job_lasts_until_it_was_stopped()
    {
        var job = MakeJob(status: JobStatus.Stopped, exitCode: 143, ran: TimeSpan.FromSeconds(42));

        Assert.Equal("0:00:42", JobTable.DurationText(job, Now));
    }

    [Fact]
    public void A_narrow_terminal_cuts_only_the_command_and_every_line_fits()
    {
        var longCommand = "./configure --prefix=/opt/thing && make -j64 all && make check && make install";
        var jobs = new[]
        {
            MakeJob(longCommand, JobStatus.Running, null, cwd: "/home/alice/src"),
            MakeJob("ls", JobStatus.Done, 0, ran: TimeSpan.FromSeconds(1), cwd: "/home/alice/src"),
        };

        var lines = Lines(Render(jobs, width: 60));

        Assert.All(lines, line => Assert.True(line.Length <= 60, $"{line.Length} columns: {line}"));
        Assert.Equal(60, lines[0].Length);
        Assert.Contains("  ./configure --…  ", lines[1], StringComparison.Ordinal);
        Assert.Contains("~/src", lines[1], StringComparison.Ordinal);
        Assert.Contains("running", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("0:05:00", lines[1], StringComparison.Ordinal);
        Assert.Equal(lines[0].IndexOf("STATUS", StringComparison.Ordinal), lines[1].IndexOf("running", StringComparison.Ordinal));
    }

    [Fact]
    public void A_wide_terminal_shows_the_whole_command_and_does_not_pad_it_further()
    {
        var longCommand = "./configure --prefix=/opt/thing && make -j64 all && make check && make install";

        var lines = Lines(Render([MakeJob(longCommand)], width: 200));

        Assert.Contains(longCommand + "  done [0]", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("…", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_terminal_nothing_is_cut()
    {
        var longCommand = new string('x', 500);

        var lines = Lines(Render([MakeJob(longCommand)], width: null));

        Assert.Contains(longCommand, lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_keeps_a_minimum_width_on_a_very_narrow_terminal()
    {
        var lines = Lines(Render([MakeJob("abcdefghijklmnopqrstuvwxyz")], width: 20));

        Assert.Contains("  abcdefghi…  done [0]", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Colour_wraps_only_the_status_word_and_keeps_the_columns_aligned()
    {
        var jobs = new[]
        {
            MakeJob("a", JobStatus.Running, null),
            MakeJob("b", JobStatus.Done, 0, ran: TimeSpan.FromSeconds(1)),
            MakeJob("c", JobStatus.Done, 3, ran: TimeSpan.FromSeconds(1)),
            MakeJob("d", JobStatus.Stopped, 143, ran: TimeSpan.FromSeconds(1)),
            MakeJob("e", JobStatus.Unknown, null),
            MakeJob("f", JobStatus.Lost, null),
        };

        var coloured = Render(jobs, width: 120, color: true);
        var plain = Render(jobs, width: 120, color: false);

        Assert.Contains("\u001b[36mrunning\u001b[0m", coloured, StringComparison.Ordinal);
        Assert.Contains("\u001b[32mdone [0]\u001b[0m", coloured, StringComparison.Ordinal);
        Assert.Contains("\u001b[31mdone [3]\u001b[0m", coloured, StringComparison.Ordinal);
        Assert.Contains("\u001b[33mstopped\u001b[0m", coloured, StringComparison.Ordinal);
        Assert.Contains("\u001b[35munknown\u001b[0m", coloured, StringComparison.Ordinal);
        Assert.Contains("\u001b[2mlost\u001b[0m", coloured, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", plain, StringComparison.Ordinal);
        Assert.Equal(plain, StripSgr(coloured));
    }

    [Fact]
    public void Control_characters_cannot_break_a_row()
    {
        var lines = Lines(Render([MakeJob("echo a\nrm -rf b\tc\u001b[2J")], width: null));

        Assert.Equal(2, lines.Length);
        Assert.Contains("echo a rm -rf b c?[2J", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void An_argv_is_shown_quoted()
    {
        var job = MakeJob() with { Command = ["grep", "-r", "a b", "."] };

        Assert.Contains("grep -r 'a b' .", Render([job]), StringComparison.Ordinal);
    }

    [Fact]
    public void Columns_wins_over_the_terminal_size()
    {
        var context = Context(terminal: true, ("COLUMNS", "60"));

        Assert.Equal(60, TerminalWidth.Of(context, () => 200));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wide")]
    [InlineData("-5")]
    [InlineData("0")]
    public void Without_a_usable_columns_the_terminal_says(string? columns)
    {
        var context = Context(terminal: true, ("COLUMNS", columns));

        Assert.Equal(133, TerminalWidth.Of(context, () => 133));
    }

    [Fact]
    public void A_terminal_that_will_not_say_its_size_is_80_wide()
    {
        var context = Context(terminal: true);

        Assert.Equal(80, TerminalWidth.Of(context, () => throw new IOException("no tty")));
        Assert.Equal(80, TerminalWidth.Of(context, () => 0));
    }

    [Fact]
    public void A_pipe_has_no_width()
    {
        var context = Context(terminal: false, ("COLUMNS", "60"));

        Assert.Null(TerminalWidth.Of(context, () => 60));
    }

    [Theory]
    [InlineData(true, null, null, true)]
    [InlineData(false, null, null, false)]
    [InlineData(true, "1", null, false)]
    [InlineData(true, "", null, true)]
    [InlineData(true, null, "dumb", false)]
    [InlineData(true, null, "xterm-256color", true)]
    public void Colour_only_on_a_terminal_that_wants_it(bool terminal, string? noColor, string? term, bool expected)
    {
        var context = Context(terminal, ("NO_COLOR", noColor), ("TERM", term));

        Assert.Equal(expected, Colors.Enabled(context));
    }

    private static PContext Context(bool terminal, params (string Name, string? Value)[] env) =>
        new(TextWriter.Null, TextWriter.Null, "/", terminal, terminal, terminal,
            name => env.FirstOrDefault(e => e.Name == name).Value);

    private static string StripSgr(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", "");
}
