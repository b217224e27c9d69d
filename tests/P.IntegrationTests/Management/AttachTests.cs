using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>`p attach &lt;id&gt;` in a real terminal: running, finished with the session open, session closed.</summary>
[Collection(ManagementTerminalCollection.Name)]
public sealed class AttachTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Attach_to_a_running_job_detach_attach_again_and_see_it_finish()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(
            world.ClientHome, $"echo attach-me; {ManagementE2e.WaitForGate(worker.Gate())}; echo released; exit 3");

        using (var first = world.StartP(world.ClientHome, "attach", id))
        {
            await first.WaitForScreen("attach-me");
            first.SendKeys("C-b", "d");
            Assert.Equal(0, await first.WaitForExit());
            Assert.Contains($"p attach {ManagementE2e.Short(id)}", first.Transcript(), StringComparison.Ordinal);
        }
        Assert.False(File.Exists(Path.Combine(worker.JobDir(id), "exitcode")), "detaching must leave the job running");
        Assert.Equal("running", world.Record(id).GetProperty("status").GetString());

        using var second = world.StartP(world.ClientHome, "attach", id[..6]);
        await second.WaitForScreen("attach-me");
        await worker.Release();
        await second.WaitForScreen(ManagementE2e.DoneBanner(3));
        Assert.Contains("released", second.Screen(), StringComparison.Ordinal);
        second.SendKeys("x");

        Assert.Equal(3, await second.WaitForExit());
        Assert.Contains("[exit 3]", second.Transcript(), StringComparison.Ordinal);
        var job = world.Record(id);
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task Attach_to_a_finished_job_whose_session_is_open_shows_the_done_screen_and_a_key_returns_its_code()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        // Started detached: nobody pressed a key, so the done screen still waits.
        var id = await world.StartDetached(world.ClientHome, "echo done-output; exit 4");
        await worker.WaitForExitCode(id);

        using var terminal = world.StartP(world.ClientHome, "attach", id);
        await terminal.WaitForScreen(ManagementE2e.DoneBanner(4));
        Assert.Contains("done-output", terminal.Screen(), StringComparison.Ordinal);
        terminal.SendKeys("Enter");

        Assert.Equal(4, await terminal.WaitForExit());
        Assert.Contains("[exit 4]", terminal.Transcript(), StringComparison.Ordinal);
        var job = world.Record(id);
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(4, job.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task Attach_to_a_job_whose_session_is_closed_says_how_it_ended_and_to_use_p_logs()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        // Without a terminal `p -- cmd` streams the output and closes the session at the end.
        (await world.P(world.ClientHome, "--", "echo closed-output; exit 6")).AssertExit(6);
        var id = world.SingleJob().GetProperty("id").GetString()!;

        using var terminal = world.StartP(world.ClientHome, "attach", id);
        var code = await terminal.WaitForExit();

        var transcript = terminal.Transcript();
        Assert.True(code == 6, $"expected exit 6, got {code}\n{transcript}");
        Assert.Contains("finished", transcript, StringComparison.Ordinal);
        Assert.Contains("6", transcript, StringComparison.Ordinal);
        Assert.Contains($"p logs {ManagementE2e.Short(id)}", transcript, StringComparison.Ordinal);

        // The same without a terminal: one line on stderr, the job's code.
        var plain = await world.P(world.ClientHome, "attach", id);
        plain.AssertExit(6);
        Assert.Contains("p logs", plain.Stderr, StringComparison.Ordinal);
        Assert.Contains("code 6", plain.Stderr, StringComparison.Ordinal);
    }
}
