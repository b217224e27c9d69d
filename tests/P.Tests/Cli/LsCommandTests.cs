using System.Globalization;
using System.Text.Json;
using P.Cli;
using P.Core;
using P.Tests.Support;
using P.Watch;

namespace P.Tests.Cli;

/// <summary>`p ls` through the whole command line, in-process, against a private HOME and job store.</summary>
public sealed class LsCommandTests : IDisposable
{
    private const string LongCommand = "./configure --prefix=/opt/thing && make -j64 all && make check && make install";

    private readonly InProcessP p = new();
    private readonly DateTimeOffset now = DateTimeOffset.UtcNow;
    private readonly List<IDisposable> watchers = [];

    public void Dispose()
    {
        watchers.ForEach(w => w.Dispose());
        p.Dispose();
    }

    private Job Save(
        string worker,
        JobStatus status,
        TimeSpan ago,
        int? exitCode = null,
        TimeSpan? ran = null,
        string? cwd = null,
        params string[] command)
    {
        var job = new Job
        {
            Id = Guid.NewGuid(),
            Worker = worker,
            Cwd = cwd ?? Path.Combine(p.Home, "projects", "foo"),
            Command = command.Length > 0 ? command : ["make"],
            Status = status,
            ExitCode = exitCode,
            StartedAt = now - ago,
            EndedAt = ran is { } r ? now - ago + r : null,
            StarterPid = status == JobStatus.Starting ? Environment.ProcessId : null, // a start in progress
        };
        p.Jobs.Save(job);
        if (status == JobStatus.Running)
        {
            // A watcher that holds the lock and has heard the worker vouches for its running jobs.
            var gate = new WatcherLock(p.Paths, worker);
            if (gate.TryAcquire() is { } held)
            {
                watchers.Add(held);
            }
            gate.Beat();
        }
        return job;
    }

    /// <summary>Three jobs saved out of order: one running, one failed, one stopped.</summary>
    private (Job Running, Job Failed, Job Stopped) SaveThree()
    {
        var failed = Save("cloud", JobStatus.Done, TimeSpan.FromHours(2), exitCode: 3, ran: TimeSpan.FromSeconds(47), cwd: "/srv", command: ["./bench.sh"]);
        var running = Save("beefy", JobStatus.Running, TimeSpan.FromMinutes(2), cwd: Path.Combine(p.Home, "src"), command: [LongCommand]);
        var stopped = Save("beefy", JobStatus.Stopped, TimeSpan.FromHours(1), exitCode: 143, ran: TimeSpan.FromMinutes(1), cwd: p.Home, command: ["sleep", "100"]);
        return (running, failed, stopped);
    }

    [Fact]
    public async Task Piped_ls_lists_every_job_newest_first_with_tilde_statuses_and_durations()
    {
        var (running, failed, stopped) = SaveThree();

        var result = await p.RunAsync(false, "ls");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        var lines = result.OutLines;
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^ID\s+WORKER\s+CWD\s+COMMAND\s+STATUS\s+DURATION$", lines[0]);
        Assert.StartsWith(running.ShortId + "  beefy   ~/src  " + LongCommand + "  running   0:02:0", lines[1], StringComparison.Ordinal);
        Assert.StartsWith(stopped.ShortId + "  beefy   ~      ", lines[2], StringComparison.Ordinal);
        Assert.Contains("sleep 100", lines[2], StringComparison.Ordinal);
        Assert.Contains("stopped   0:01:00", lines[2], StringComparison.Ordinal);
        Assert.StartsWith(failed.ShortId + "  cloud   /srv   ", lines[3], StringComparison.Ordinal);
        Assert.EndsWith("done [3]  0:00:47", lines[3], StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("…", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_job_counts_up_to_now()
    {
        Save("beefy", JobStatus.Running, new TimeSpan(3, 4, 5));

        var duration = (await p.RunAsync(false, "ls")).OutLines[1].Split("  ")[^1];

        var seconds = TimeSpan.Parse(duration, CultureInfo.InvariantCulture).TotalSeconds;
        Assert.InRange(seconds, new TimeSpan(3, 4, 5).TotalSeconds, new TimeSpan(3, 4, 5).TotalSeconds + 60);
    }

    [Fact]
    public async Task With_no_jobs_ls_prints_only_the_header_and_json_an_empty_array()
    {
        var table = await p.RunAsync(false, "ls");
        var json = await p.RunAsync(false, "ls", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.Matches(@"^ID\s+WORKER\s+CWD\s+COMMAND\s+STATUS\s+DURATION\n$", table.Out);
        Assert.Equal(0, json.ExitCode);
        Assert.Equal("[]\n", json.Out);
    }

    [Fact]
    public async Task Worker_filter_keeps_only_that_workers_jobs()
    {
        var (running, failed, stopped) = SaveThree();

        var beefy = await p.RunAsync(false, "ls", "-w", "beefy");
        var cloud = await p.RunAsync(false, "ls", "--worker", "cloud");
        var nosuch = await p.RunAsync(false, "ls", "-w", "nosuch");

        Assert.Equal([running.ShortId, stopped.ShortId], beefy.OutLines.Skip(1).Select(l => l[..8]));
        Assert.Equal([failed.ShortId], cloud.OutLines.Skip(1).Select(l => l[..8]));
        Assert.Equal(0, nosuch.ExitCode);
        Assert.Single(nosuch.OutLines);
    }

    [Fact]
    public async Task Running_filter_keeps_jobs_that_may_still_run()
    {
        var (running, _, _) = SaveThree();
        var starting = Save("cloud", JobStatus.Starting, TimeSpan.FromSeconds(1));
        var unknown = Save("cloud", JobStatus.Unknown, TimeSpan.FromDays(1));
        Save("cloud", JobStatus.Lost, TimeSpan.FromDays(2));

        var result = await p.RunAsync(false, "ls", "--running");

        Assert.Equal([starting.ShortId, running.ShortId, unknown.ShortId], result.OutLines.Skip(1).Select(l => l[..8]));
        Assert.Contains("starting", result.OutLines[1], StringComparison.Ordinal);
        Assert.Contains("unknown", result.OutLines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filters_combine()
    {
        var (running, _, _) = SaveThree();
        Save("cloud", JobStatus.Running, TimeSpan.FromSeconds(1));

        var result = await p.RunAsync(false, "ls", "--running", "-w", "beefy");

        Assert.Equal([running.ShortId], result.OutLines.Skip(1).Select(l => l[..8]));
    }

    [Fact]
    public async Task A_terminal_gets_colour_unless_NO_COLOR_is_set()
    {
        SaveThree();
        p.Env["COLUMNS"] = "200";

        var coloured = await p.RunAsync(true, "ls");
        p.Env["NO_COLOR"] = "1";
        var plain = await p.RunAsync(true, "ls");

        Assert.Contains("\u001b[36mrunning\u001b[0m", coloured.Out, StringComparison.Ordinal);
        Assert.Contains("\u001b[31mdone [3]\u001b[0m", coloured.Out, StringComparison.Ordinal);
        Assert.Contains("\u001b[33mstopped\u001b[0m", coloured.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", plain.Out, StringComparison.Ordinal);
        Assert.Equal(plain.Out, coloured.Out.Replace("\u001b[0m", "", StringComparison.Ordinal)
            .Replace("\u001b[36m", "", StringComparison.Ordinal)
            .Replace("\u001b[31m", "", StringComparison.Ordinal)
            .Replace("\u001b[33m", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_60_column_terminal_cuts_the_command_and_a_200_column_one_does_not()
    {
        SaveThree();
        p.Env["NO_COLOR"] = "1";

        p.Env["COLUMNS"] = "60";
        var narrow = await p.RunAsync(true, "ls");
        p.Env["COLUMNS"] = "200";
        var wide = await p.RunAsync(true, "ls");

        Assert.All(narrow.OutLines, line => Assert.True(line.Length <= 60, $"{line.Length} columns: {line}"));
        Assert.Equal(60, narrow.OutLines[0].Length);
        Assert.Contains("./configure", narrow.OutLines[1], StringComparison.Ordinal);
        Assert.Contains("…", narrow.OutLines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(LongCommand, narrow.Out, StringComparison.Ordinal);
        Assert.Contains(LongCommand + "  running", wide.OutLines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("…", wide.Out, StringComparison.Ordinal);
        Assert.Equal(narrow.OutLines[0].IndexOf("STATUS", StringComparison.Ordinal), narrow.OutLines[1].IndexOf("running", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_lists_every_field_newest_first()
    {
        var (running, failed, stopped) = SaveThree();

        var result = await p.RunAsync(false, "ls", "--json");

        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(result.Out);
        var jobs = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(
            [running.Id.ToString("D"), stopped.Id.ToString("D"), failed.Id.ToString("D")],
            jobs.Select(j => j.GetProperty("id").GetString()));

        var first = jobs[0];
        Assert.Equal(
            ["id", "short_id", "worker", "cwd", "command", "status", "exit_code", "started_at", "ended_at", "slurm_job_id", "slurm_state"],
            first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(running.ShortId, first.GetProperty("short_id").GetString());
        Assert.Equal("beefy", first.GetProperty("worker").GetString());
        Assert.Equal(Path.Combine(p.Home, "src"), first.GetProperty("cwd").GetString());
        Assert.Equal([LongCommand], first.GetProperty("command").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal("running", first.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("exit_code").ValueKind);
        Assert.Equal(running.StartedAt, first.GetProperty("started_at").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("ended_at").ValueKind);

        var second = jobs[1];
        Assert.Equal(["sleep", "100"], second.GetProperty("command").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal("stopped", second.GetProperty("status").GetString());
        Assert.Equal(143, second.GetProperty("exit_code").GetInt32());
        Assert.Equal(p.Home, second.GetProperty("cwd").GetString());

        var third = jobs[2];
        Assert.Equal("done", third.GetProperty("status").GetString());
        Assert.Equal(3, third.GetProperty("exit_code").GetInt32());
        Assert.Equal(failed.EndedAt, third.GetProperty("ended_at").GetDateTimeOffset());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", third.GetProperty("started_at").GetString()!);
    }

    [Fact]
    public async Task Json_honours_the_filters_and_never_colours()
    {
        var (running, _, _) = SaveThree();
        p.Env["COLUMNS"] = "40";

        var result = await p.RunAsync(true, "ls", "--json", "--running");

        Assert.DoesNotContain("\u001b", result.Out, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(result.Out);
        var job = Assert.Single(document.RootElement.EnumerateArray().ToList());
        Assert.Equal(running.Id.ToString("D"), job.GetProperty("id").GetString());
        Assert.Equal(LongCommand, job.GetProperty("command")[0].GetString());
    }

    [Fact]
    public async Task A_corrupt_record_is_skipped()
    {
        var (running, _, _) = SaveThree();
        File.WriteAllText(Path.Combine(p.JobsDir, Guid.NewGuid().ToString("D") + ".json"), "{ not json");

        var result = await p.RunAsync(false, "ls");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(4, result.OutLines.Length);
        Assert.StartsWith(running.ShortId, result.OutLines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_is_short_and_has_examples()
    {
        var result = await p.RunAsync(false, "ls", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("p ls --json", result.Out, StringComparison.Ordinal);
        Assert.Contains("--running", result.Out, StringComparison.Ordinal);
        Assert.Contains("-w, --worker <name>", result.Out, StringComparison.Ordinal);
        Assert.True(result.OutLines.Length < 30, result.Out);
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error()
    {
        var result = await p.RunAsync(false, "ls", "--all");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith("p: ", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_job_that_no_watcher_vouches_for_is_unknown()
    {
        var job = new Job
        {
            Id = Guid.NewGuid(),
            Worker = "silent",
            Cwd = p.Home,
            Command = ["make"],
            Status = JobStatus.Running,
            StartedAt = now,
        };
        p.Jobs.Save(job);

        var result = await p.RunAsync(terminal: false, "ls");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("unknown", result.OutLines[1], StringComparison.Ordinal);
        Assert.Equal(JobStatus.Running, p.Jobs.Find(job.Id)!.Status);
    }
}
