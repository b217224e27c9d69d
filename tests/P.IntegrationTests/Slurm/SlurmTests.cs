using System.Text.Json;
using System.Text.RegularExpressions;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.Management;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Slurm;

/// <summary>A Slurm submit host: one sshd and one real one-node Slurm cluster of their own.</summary>
[CollectionDefinition(Name)]
public sealed class SlurmCollection : ICollectionFixture<SshdFixture>, ICollectionFixture<SlurmCluster>
{
    public const string Name = "sshd-slurm";
}

/// <summary>
/// Jobs on a worker registered with --slurm go through the real scheduler:
/// srun in the job's tmux session, squeue for pending, scancel for stop.
/// </summary>
[Collection(SlurmCollection.Name)]
public sealed partial class SlurmTests(SshdFixture sshd, SlurmCluster slurm, ITestOutputHelper output)
{
    private static readonly TimeSpan SchedulerTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_job_runs_inside_slurm_in_the_synced_work_dir_and_its_exit_code_passes_through()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await RegisteredSlurmWorker(world);
        var project = world.CreateClientDir("project");
        await File.WriteAllTextAsync(Path.Combine(project, "input.txt"), "synced-input\n");

        var run = await world.P(project, "--", "cat input.txt; echo \"job=$SLURM_JOB_ID\"; echo \"pwd=$(pwd -P)\"; exit 7");

        run.AssertExit(7);
        var job = world.SingleJob();
        var id = job.GetProperty("id").GetString()!;
        Assert.Contains("synced-input\n", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"pwd={worker.WorkDir(id)}\n", run.Stdout, StringComparison.Ordinal);
        var slurmId = JobIdLine().Match(run.Stdout);
        Assert.True(slurmId.Success, $"SLURM_JOB_ID was not set in the job\n{run}");
        var listed = await ListedJob(world, project, id);
        Assert.Equal(("done", 7), (listed.GetProperty("status").GetString(), listed.GetProperty("exit_code").GetInt32()));
        Assert.Equal(slurmId.Groups[1].Value, listed.GetProperty("slurm_job_id").GetString());
    }

    [Fact]
    public async Task A_job_that_waits_for_the_cpus_is_pending_with_its_slurm_id_until_the_first_is_stopped_then_runs_to_done()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await RegisteredSlurmWorker(world);
        var both = $"-c {SlurmCluster.Cpus}";
        var first = await StartDetached(world, both, "echo first-running; sleep 600");
        await worker.WaitForLog(first, "first-running");
        var second = await StartDetached(world, both, "echo second-ran");
        var third = await StartDetached(world, both, "echo third-ran");

        var pending = await WaitForListed(world, second, j => j.GetProperty("status").GetString() == "pending");
        Assert.Equal("PENDING", pending.GetProperty("slurm_state").GetString());
        var secondSlurmId = pending.GetProperty("slurm_job_id").GetString()!;
        Assert.Contains(secondSlurmId, slurm.QueuedJobIds());
        var table = await world.P(world.ClientHome, "ls");
        Assert.Matches($@"{ManagementE2e.Short(second)}.*pending", table.Stdout);
        using (var attached = world.StartP(world.ClientHome, "attach", second))
        {
            await attached.WaitForScreen("[pending Resources]");
            attached.SendKeys("C-b", "d");
            Assert.Equal(0, await attached.WaitForExit());
        }
        var firstSlurmId = await WaitForSlurmJobId(world, first);
        var thirdSlurmId = (await WaitForListed(world, third, j => j.GetProperty("status").GetString() == "pending"))
            .GetProperty("slurm_job_id").GetString()!;

        // rm -f of a pending job takes it out of the queue, stop of a running one too.
        (await world.P(world.ClientHome, "rm", "-f", third)).AssertExit(0);
        Assert.DoesNotContain(thirdSlurmId, slurm.QueuedJobIds());
        var stop = await world.P(world.ClientHome, "stop", first);
        stop.AssertExit(0);
        Assert.DoesNotContain(firstSlurmId, slurm.QueuedJobIds());
        Assert.Equal("stopped", world.Record(first).GetProperty("status").GetString());

        var wait = await world.P(world.ClientHome, ["wait", second], SchedulerTimeout);
        wait.AssertExit(0);
        var done = await ListedJob(world, world.ClientHome, second);
        Assert.Equal(("done", 0), (done.GetProperty("status").GetString(), done.GetProperty("exit_code").GetInt32()));
        Assert.Contains("second-ran", worker.OutputLog(second), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_that_slurm_cancels_ends_with_sruns_exit_code_and_its_message_in_the_log()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await RegisteredSlurmWorker(world);
        var id = await StartDetached(world, null, "echo admin-target; sleep 600");
        await worker.WaitForLog(id, "admin-target");
        var slurmId = await WaitForSlurmJobId(world, id);

        // An administrator (or a time limit, or a node failure) ends the job in Slurm.
        slurm.Client("scancel", slurmId).EnsureSuccess();
        var wait = await world.P(world.ClientHome, ["wait", id], SchedulerTimeout);

        Assert.NotEqual(0, wait.ExitCode);
        var job = await ListedJob(world, world.ClientHome, id);
        Assert.Equal(("done", wait.ExitCode), (job.GetProperty("status").GetString(), job.GetProperty("exit_code").GetInt32()));
        var logs = await world.P(world.ClientHome, "logs", id);
        Assert.Contains("CANCELLED", logs.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_submit_hosts_tmux_dies_the_step_ends_in_slurm_and_p_reports_the_job_lost()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await RegisteredSlurmWorker(world);
        var id = await StartDetached(world, null, "echo reboot-target; sleep 600");
        await worker.WaitForLog(id, "reboot-target");
        var slurmId = await WaitForSlurmJobId(world, id);

        // What a reboot of the submit host does to p's part: the tmux server and its panes die.
        (await world.Ssh("w1", $"kill -KILL $({WorkerHome.Tmux} display -p '#{{pid}}')")).EnsureSuccess();

        var lost = await WaitForListed(world, id, j => j.GetProperty("status").GetString() != "running");
        Assert.Equal("lost", lost.GetProperty("status").GetString());
        await E2e.WaitFor(() => !slurm.QueuedJobIds().Contains(slurmId), $"Slurm job {slurmId} to leave the queue", SchedulerTimeout);
        TrustMatrix.Record(TrustMatrix.Kind.Fault, "Slurm submit host's tmux killed (a reboot)", job: "step cancelled in Slurm", record: "lost", exitCode: "-");
    }

    [Fact]
    public async Task An_interactive_run_gets_sruns_terminal_the_end_screen_and_the_summary()
    {
        using var world = sshd.CreateWorld(output);
        await RegisteredSlurmWorker(world);
        using var terminal = world.StartP(world.ClientHome, "--", "tty; echo \"in-slurm=$SLURM_JOB_ID\"; read -r line; echo \"typed=$line\"; exit 4");

        var started = await terminal.WaitForScreen(s => InSlurm().IsMatch(s), description: "the job's first lines");
        Assert.Matches(@"/dev/pts/\d+", started);
        Assert.DoesNotContain("not a tty", started, StringComparison.Ordinal);
        terminal.SendText("hello");
        terminal.SendKeys("Enter");
        await terminal.WaitForScreen("typed=hello");
        await terminal.WaitForScreen(ManagementE2e.DoneBanner(4));
        terminal.SendKeys("q");
        var code = await terminal.WaitForExit();

        Assert.Equal(4, code);
        Assert.Contains("[exit 4]", terminal.Transcript(), StringComparison.Ordinal);
        Assert.Equal(("done", 4), (world.SingleJob().GetProperty("status").GetString(), world.SingleJob().GetProperty("exit_code").GetInt32()));
    }

    [Fact]
    public async Task Srun_args_with_quotes_and_spaces_reach_srun_as_words_and_nothing_runs_from_them()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await RegisteredSlurmWorker(world);
        var marker = worker.PathInHome("injected");
        var comment = $"two  words $(touch {marker}) `touch {marker}`; touch {marker}";

        var run = await world.P(world.ClientHome, "--srun-args", $"--comment '{comment}' --cpus-per-task=1", "--",
            "scontrol show job \"$SLURM_JOB_ID\" | grep -o 'Comment=.*'");

        run.AssertExit(0);
        Assert.Equal($"Comment={comment}", run.Stdout.Trim());
        Assert.False(File.Exists(marker), "a word of --srun-args was run by a shell");
    }

    [Fact]
    public async Task Worker_ls_check_reports_the_slurm_commands_the_default_partition_and_its_idle_nodes()
    {
        using var world = sshd.CreateWorld(output);
        await RegisteredSlurmWorker(world);

        var check = await world.P(world.ClientHome, "worker", "ls", "--check");

        check.AssertExit(0);
        Assert.Contains("w1: slurm: srun, squeue, scancel and sinfo found", check.Stdout + check.Stderr, StringComparison.Ordinal);
        Assert.Matches($@"w1: slurm: default partition {SlurmCluster.Partition} \(up\), \d+ idle node\(s\)", check.Stdout + check.Stderr);
        var listed = await world.P(world.ClientHome, "worker", "ls");
        Assert.Matches(@"w1\s.*slurm", listed.Stdout);
    }

    private async Task<WorkerHome> RegisteredSlurmWorker(TestWorld world)
    {
        var worker = world.AddWorker("w1", environment: slurm.Environment);
        (await world.P(world.ClientHome, "worker", "register", worker.Connection, "--slurm")).AssertExit(0);
        return worker;
    }

    private static async Task<string> StartDetached(TestWorld world, string? srunArgs, string command)
    {
        string[] args = srunArgs is null ? ["-d", "--", command] : ["-d", "--srun-args", srunArgs, "--", command];
        var result = await world.P(world.ClientHome, args);
        result.AssertExit(0);
        return result.Stdout.Trim();
    }

    private static async Task<JsonElement> ListedJob(TestWorld world, string cwd, string id)
    {
        var listed = await world.P(cwd, "ls", "--json");
        listed.AssertExit(0);
        return JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray()
            .Single(j => j.GetProperty("id").GetString() == id).Clone();
    }

    /// <summary>The job's id in Slurm, once `p ls --json` has one.</summary>
    private static async Task<string> WaitForSlurmJobId(TestWorld world, string id) =>
        (await WaitForListed(world, id, j => j.TryGetProperty("slurm_job_id", out var s) && s.ValueKind == JsonValueKind.String))
            .GetProperty("slurm_job_id").GetString()!;

    /// <summary>`p ls --json` until the job's entry satisfies <paramref name="condition"/> (Slurm decides when).</summary>
    private static async Task<JsonElement> WaitForListed(TestWorld world, string id, Func<JsonElement, bool> condition)
    {
        var last = default(JsonElement);
        var deadline = DateTime.UtcNow + SchedulerTimeout;
        while (DateTime.UtcNow < deadline)
        {
            last = await ListedJob(world, world.ClientHome, id);
            if (condition(last))
            {
                return last;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"job {ManagementE2e.Short(id)} never reached the expected state; last listed as {last}");
        return last;
    }

    [GeneratedRegex(@"in-slurm=\d+")]
    private static partial Regex InSlurm();

    [GeneratedRegex(@"^job=(\d+)$", RegexOptions.Multiline)]
    private static partial Regex JobIdLine();
}
