using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>`p -- cmd` on a real terminal (tmux send-keys / capture-pane): attach, detach, the end screen.</summary>
[Collection(InteractiveSshdCollection.Name)]
public sealed class InteractiveRunTests(SshdFixture sshd, ITestOutputHelper output)
{
    private static string DoneBanner(int code) => $"--- Job done [exit {code}]. Press any key to detach. ---";

    [Fact]
    public async Task An_attached_run_shows_the_output_and_the_done_screen_and_a_key_returns_the_exit_code()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");
        using var terminal = world.StartP(world.ClientHome, "--", $"echo job-output; while [ ! -f {gate} ]; do sleep 0.1; done; exit 5");

        await terminal.WaitForScreen("job-output");
        await terminal.WaitForScreen(s => s.Contains("[running]", StringComparison.Ordinal), description: "the status bar");
        terminal.SendText("typed-early");
        await File.WriteAllTextAsync(gate, "");
        await terminal.WaitForScreen(DoneBanner(5));
        Assert.False(terminal.HasExited, "keys typed while the job ran must not dismiss the done screen");

        terminal.SendKeys("q");
        var code = await terminal.WaitForExit();

        Assert.Equal(5, code);
        Assert.Contains("[exit 5]", terminal.Transcript(), StringComparison.Ordinal);
        var job = world.SingleJob();
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(5, job.GetProperty("exit_code").GetInt32());
        var session = await world.Ssh("w1", $"{WorkerHome.Tmux} has-session -t p-{job.GetProperty("id").GetString()}");
        Assert.NotEqual(0, session.ExitCode);
    }

    [Fact]
    public async Task Ctrl_b_d_detaches_and_the_job_keeps_running()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");
        using var terminal = world.StartP(world.ClientHome, "--", $"echo attached; while [ ! -f {gate} ]; do sleep 0.1; done; echo finished");

        await terminal.WaitForScreen("attached");
        terminal.SendKeys("C-b", "d");
        var code = await terminal.WaitForExit();

        Assert.Equal(0, code);
        Assert.Contains("p attach", terminal.Transcript(), StringComparison.Ordinal);
        var job = world.SingleJob();
        Assert.Equal("running", job.GetProperty("status").GetString());
        var jobDir = worker.JobDir(job);
        Assert.False(File.Exists(Path.Combine(jobDir, "exitcode")));
        await File.WriteAllTextAsync(gate, "");
        await E2e.WaitFor(() => File.Exists(Path.Combine(jobDir, "exitcode")), "the detached job to finish");
        Assert.Contains("finished", File.ReadAllText(Path.Combine(jobDir, "output.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_c_on_a_streaming_run_with_its_output_in_a_file_stops_the_job_and_leaves_none_of_its_processes()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var outFile = Path.Combine(world.ClientHome, "out.txt");
        using var terminal = world.StartTerminal(world.ClientHome, "/bin/bash", "-c",
            $"{PCli.BinaryPath} -n -- 'echo streaming; sleep 300 & sleep 301; wait' >{outFile}; echo \"rc=$?\"; sleep 600");
        await E2e.WaitFor(() => File.Exists(outFile) && File.ReadAllText(outFile).Contains("streaming", StringComparison.Ordinal), "the job's first line in the file");
        var job = world.SingleJob();
        var workDir = worker.WorkDir(job);
        Assert.NotEmpty(ProcessesIn(workDir));

        terminal.SendKeys("C-c");
        await terminal.WaitForScreen("rc=130");

        Assert.Equal("streaming\n", File.ReadAllText(outFile));
        Assert.Equal("130\n", File.ReadAllText(Path.Combine(worker.JobDir(job), "exitcode")));
        Assert.Empty(ProcessesIn(workDir));
    }

    [Fact]
    public async Task Two_ctrl_c_within_two_seconds_leave_the_job_running_and_say_how_to_follow_it()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");
        using var terminal = world.StartTerminal(world.ClientHome, "/bin/bash", "-c",
            $"{PCli.BinaryPath} -n -- 'trap \"echo got-int\" INT; echo streaming; while [ ! -f {gate} ]; do sleep 0.1; done' >/dev/null; echo \"rc=$?\"; sleep 600");
        await E2e.WaitFor(() => world.Jobs().Count == 1 && world.SingleJob().GetProperty("status").GetString() == "running", "the job to run");
        await E2e.WaitFor(() => File.Exists(Path.Combine(worker.JobDir(world.SingleJob()), "output.log"))
            && File.ReadAllText(Path.Combine(worker.JobDir(world.SingleJob()), "output.log")).Contains("streaming", StringComparison.Ordinal), "the job to start");

        terminal.SendKeys("C-c");
        terminal.SendKeys("C-c");
        var screen = await terminal.WaitForScreen("rc=130");

        var job = world.SingleJob();
        Assert.Contains($"left job {job.GetProperty("id").GetString()![..8]} running", screen, StringComparison.Ordinal);
        Assert.Contains("p attach", screen, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(worker.JobDir(job), "exitcode")), "the job must outlive p");
        await File.WriteAllTextAsync(gate, "");
        await E2e.WaitFor(() => File.Exists(Path.Combine(worker.JobDir(job), "exitcode")), "the job to end");
    }

    // Processes whose working directory is the job's work dir: the job and its children.
    private static List<int> ProcessesIn(string workDir) =>
        [.. Directory.GetDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Where(d =>
            {
                try
                {
                    return new DirectoryInfo(Path.Combine(d, "cwd")).ResolveLinkTarget(returnFinalTarget: true)?.FullName == workDir;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            })
            .Select(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public async Task Ctrl_c_reaches_the_job_as_sigint()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        using var terminal = world.StartP(world.ClientHome, "--", "trap 'echo got-sigint; exit 9' INT; echo waiting; while :; do sleep 0.1; done");

        await terminal.WaitForScreen("waiting");
        terminal.SendKeys("C-c");
        await terminal.WaitForScreen(DoneBanner(9));
        Assert.Contains("got-sigint", terminal.Screen(), StringComparison.Ordinal);
        terminal.SendKeys("Enter");

        Assert.Equal(9, await terminal.WaitForExit());
    }
}

[CollectionDefinition(Name)]
public sealed class InteractiveSshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-interactive";
}
