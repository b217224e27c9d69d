using System.Diagnostics;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>`p logs [-f] &lt;id&gt;`: the job's output byte for byte, running or finished.</summary>
[Collection(ManagementJobsCollection.Name)]
public sealed class LogsTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Logs_of_a_finished_job_are_its_output_byte_for_byte_and_follow_ends_at_once_with_its_code()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        // Tabs, UTF-8, a blank line, a line without newline; -d gives no terminal, so no \r is added.
        var id = await world.StartDetached(world.ClientHome, "printf 'one\\ttab\\n\\nü € ✓\\n'; printf 'last-no-newline'; exit 3");
        await worker.WaitForExitCode(id);
        const string expected = "one\ttab\n\nü € ✓\nlast-no-newline";

        var logs = await world.P(world.ClientHome, "logs", id);

        logs.AssertExit(0);
        Assert.Equal(expected, logs.Stdout);

        var clock = Stopwatch.StartNew();
        var follow = await world.P(world.ClientHome, "logs", "-f", id);
        clock.Stop();

        follow.AssertExit(3);
        Assert.Equal(expected, follow.Stdout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"p logs -f on a finished job took {clock.Elapsed}");
        var job = world.Record(id);
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task Logs_of_a_running_job_print_what_there_is_and_follow_returns_when_it_ends_with_its_code()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(
            world.ClientHome, $"echo before-gate; {ManagementE2e.WaitForGate(worker.Gate())}; echo released; exit 3");
        await worker.WaitForLog(id, "before-gate");

        var soFar = await world.P(world.ClientHome, "logs", id);

        soFar.AssertExit(0);
        Assert.Equal("before-gate\n", soFar.Stdout);

        using var follow = StreamingProcess.Start(world, "logs", "-f", id);
        await follow.WaitForOutput("before-gate");
        Assert.Equal("running", world.Record(id).GetProperty("status").GetString());

        await worker.Release();
        var code = await follow.WaitForExit();

        // Had it returned before the job ended, it would lack "released" and the exit code.
        Assert.Equal(3, code);
        Assert.Equal("before-gate\nreleased\n", follow.Output);
        var job = world.Record(id);
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task Logs_of_a_job_with_a_terminal_are_what_its_terminal_showed()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var result = await world.P(world.ClientHome, "-d", "-t", "--", "printf 'a\\nb\\n'; [ -t 1 ] && echo tty; exit 2");
        result.AssertExit(0);
        var id = result.Stdout.Trim();
        await worker.WaitForExitCode(id);

        var logs = await world.P(world.ClientHome, "logs", id);

        logs.AssertExit(0);
        Assert.Equal("a\r\nb\r\ntty\r\n", logs.Stdout);
    }
}
