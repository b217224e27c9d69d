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
        var session = await world.Ssh("w1", $"tmux -L p has-session -t p-{job.GetProperty("id").GetString()![..8]}");
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
    public async Task Ctrl_c_on_a_piped_run_stops_following_and_says_the_job_runs_on()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");
        using var terminal = world.StartTerminal(world.ClientHome, "/bin/bash", "-c",
            $"set -o pipefail; {PCli.BinaryPath} -n -- 'echo streaming; while [ ! -f {gate} ]; do sleep 0.1; done' | cat; echo \"rc=$?\"; sleep 600");

        await terminal.WaitForScreen("streaming");
        terminal.SendKeys("C-c");
        await terminal.WaitForScreen("rc=130");

        Assert.Contains("keeps running", terminal.Screen(), StringComparison.Ordinal);
        var id = world.SingleJob().GetProperty("id").GetString()!;
        Assert.False(File.Exists(worker.PathInHome($".p/jobs/{id}/exitcode")), "the job must outlive p");
    }

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
