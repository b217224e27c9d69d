using System.Text.Json;
using System.Text.RegularExpressions;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>`p ls` over real jobs on the local worker: piped, as JSON, and on real terminals of two widths.</summary>
public sealed class LsTests(ITestOutputHelper output)
{
    // One word, so it is shown exactly as typed; longer than a 60-column row leaves it.
    private const string LongCommand = "echo the-long-command-that-a-narrow-terminal-cannot-show-in-full";

    private sealed record Jobs(string Failed, string Long, string Running);

    /// <summary>Three jobs from ~/proj, oldest first: one that exits 3, one that exits 0 with a long command line, one left running.</summary>
    private static async Task<(string Cwd, Jobs Ids)> StartThreeJobs(TestWorld world)
    {
        (await world.P(world.ClientHome, "worker", "register", "local")).AssertExit(0);
        var cwd = world.CreateClientDir("proj");
        (await world.P(cwd, "-n", "--", "exit 3")).AssertExit(3);
        (await world.P(cwd, "-n", "--", LongCommand)).AssertExit(0);
        var detached = await world.P(cwd, "-n", "-d", "--", "sleep", "600");
        detached.AssertExit(0);
        var ids = world.Jobs().ToDictionary(
            j => string.Join(' ', j.GetProperty("command").EnumerateArray().Select(w => w.GetString())),
            j => j.GetProperty("id").GetString()!);
        Assert.Equal(ids["sleep 600"], detached.Stdout.Trim());
        return (cwd, new Jobs(ids["exit 3"], ids[LongCommand], ids["sleep 600"]));
    }

    [Fact]
    public async Task Piped_ls_shows_every_job_newest_first_with_its_status()
    {
        using var world = TestWorld.CreateLocal(output);
        var (_, ids) = await StartThreeJobs(world);

        var result = await world.P(world.ClientHome, "ls");

        result.AssertExit(0);
        Assert.Equal("", result.Stderr);
        var lines = result.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^ID +WORKER +CWD +COMMAND +STATUS +DURATION$", lines[0]);
        Assert.Matches($@"^{ids.Running[..8]}  local   ~/proj  sleep 600 +running +0:00:\d\d$", lines[1]);
        Assert.Matches($@"^{ids.Long[..8]}  local   ~/proj  {Regex.Escape(LongCommand)}  done \[0\]  0:00:\d\d$", lines[2]);
        Assert.Matches($@"^{ids.Failed[..8]}  local   ~/proj  exit 3 +done \[3\]  0:00:\d\d$", lines[3]);
        Assert.DoesNotContain("\u001b", result.Stdout, StringComparison.Ordinal);

        var running = await world.P(world.ClientHome, "ls", "--running", "-w", "local");
        var elsewhere = await world.P(world.ClientHome, "ls", "-w", "elsewhere");

        Assert.Equal([ids.Running[..8]], running.Stdout.TrimEnd('\n').Split('\n').Skip(1).Select(l => l[..8]));
        elsewhere.AssertExit(0);
        Assert.Single(elsewhere.Stdout.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Ls_json_gives_scripts_every_field()
    {
        using var world = TestWorld.CreateLocal(output);
        var (cwd, ids) = await StartThreeJobs(world);

        var result = await world.P(world.ClientHome, "ls", "--json");

        result.AssertExit(0);
        using var document = JsonDocument.Parse(result.Stdout);
        var jobs = document.RootElement.EnumerateArray().ToList();
        Assert.Equal([ids.Running, ids.Long, ids.Failed], jobs.Select(j => j.GetProperty("id").GetString()));
        foreach (var job in jobs)
        {
            Assert.Equal(job.GetProperty("id").GetString()![..8], job.GetProperty("short_id").GetString());
            Assert.Equal("local", job.GetProperty("worker").GetString());
            Assert.Equal(cwd, job.GetProperty("cwd").GetString());
            Assert.InRange(job.GetProperty("started_at").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);
        }
        Assert.Equal(["sleep", "600"], jobs[0].GetProperty("command").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal("running", jobs[0].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, jobs[0].GetProperty("exit_code").ValueKind);
        Assert.Equal(JsonValueKind.Null, jobs[0].GetProperty("ended_at").ValueKind);
        Assert.Equal([LongCommand], jobs[1].GetProperty("command").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal("done", jobs[1].GetProperty("status").GetString());
        Assert.Equal(0, jobs[1].GetProperty("exit_code").GetInt32());
        Assert.Equal("done", jobs[2].GetProperty("status").GetString());
        Assert.Equal(3, jobs[2].GetProperty("exit_code").GetInt32());
        Assert.True(jobs[2].GetProperty("ended_at").GetDateTimeOffset() >= jobs[2].GetProperty("started_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_narrow_terminal_cuts_the_command_a_wide_one_shows_it_and_colour_keeps_the_columns()
    {
        using var world = TestWorld.CreateLocal(output);
        world.Environment.Remove("NO_COLOR");
        var (_, ids) = await StartThreeJobs(world);

        using var narrow = world.StartP(60, 20, world.ClientHome, "ls");
        Assert.Equal(0, await narrow.WaitForExit());
        var narrowColours = CaptureWithEscapes(narrow);
        using var wide = world.StartP(200, 20, world.ClientHome, "ls");
        Assert.Equal(0, await wide.WaitForExit());

        var narrowRows = Table(narrow.Transcript());
        var wideRows = Table(wide.Transcript());
        Assert.Equal(4, narrowRows.Count);
        Assert.All(narrowRows, row => Assert.True(row.Length <= 60, $"{row.Length} columns: {row}"));
        Assert.Matches($@"^{ids.Long[..8]}  local   ~/proj  echo the-long…  done \[0\]  0:00:\d\d$", narrowRows[2]);
        Assert.DoesNotContain(LongCommand, narrow.Transcript(), StringComparison.Ordinal);
        Assert.Contains($"{LongCommand}  done [0]", wideRows[2], StringComparison.Ordinal);
        Assert.DoesNotContain("…", string.Join('\n', wideRows), StringComparison.Ordinal);
        foreach (var rows in new[] { narrowRows, wideRows })
        {
            var status = rows[0].IndexOf("STATUS", StringComparison.Ordinal);
            Assert.Equal(status, rows[1].IndexOf("running", StringComparison.Ordinal));
            Assert.Equal(status, rows[2].IndexOf("done [0]", StringComparison.Ordinal));
            Assert.Equal(status, rows[3].IndexOf("done [3]", StringComparison.Ordinal));
            var duration = rows[0].IndexOf("DURATION", StringComparison.Ordinal);
            Assert.All(rows.Skip(1), row => Assert.Matches(@"^\d+:\d\d:\d\d$", row[duration..]));
        }
        Assert.Matches(@"\u001b\[[0-9;]*m(done \[3\])\u001b\[[0-9;]*m", narrowColours);
        Assert.Matches(@"\u001b\[[0-9;]*mrunning\u001b\[[0-9;]*m", narrowColours);
    }

    [Fact]
    public async Task NO_COLOR_turns_colour_off_on_a_terminal()
    {
        using var world = TestWorld.CreateLocal(output);
        await StartThreeJobs(world);
        world.Environment["NO_COLOR"] = "1";

        using var terminal = world.StartP(120, 20, world.ClientHome, "ls");
        Assert.Equal(0, await terminal.WaitForExit());

        var screen = CaptureWithEscapes(terminal);
        Assert.Contains("running", screen, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\u001b\[[0-9;]*m", screen);
    }

    // The header and the rows, without what tmux adds when the command exits.
    private static List<string> Table(string transcript) =>
        [.. transcript.Split('\n').SkipWhile(l => !l.StartsWith("ID ", StringComparison.Ordinal)).TakeWhile(l => l.Length > 0 && !l.StartsWith("Pane is dead", StringComparison.Ordinal))];

    // capture-pane -e re-renders each cell's attributes as SGR sequences: the colour p asked for, if any.
    private static string CaptureWithEscapes(TerminalDriver terminal)
    {
        var result = ProcessRunner.Run(RequiredTools.Tmux, ["-S", terminal.SocketPath, "capture-pane", "-p", "-e", "-S", "-"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }
}
