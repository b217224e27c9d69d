using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.Management;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.RemoteExec;

/// <summary>`p wait &lt;id&gt;...`: the exit code of one job, the first non-zero of several.</summary>
[Collection(EnvironmentAndWaitCollection.Name)]
public sealed class WaitTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Wait_on_finished_jobs_gives_the_first_non_zero_code_in_argument_order()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var ok = await world.StartDetached(world.ClientHome, "exit 0");
        var three = await world.StartDetached(world.ClientHome, "exit 3");
        var five = await world.StartDetached(world.ClientHome, "exit 5");
        foreach (var id in new[] { ok, three, five })
        {
            await worker.WaitForExitCode(id);
        }

        var alone = await world.P(world.ClientHome, "wait", ok[..4]);
        var threeFirst = await world.P(world.ClientHome, "wait", ok, three[..8], five);
        var fiveFirst = await world.P(world.ClientHome, "wait", five[..8], three, ok);

        alone.AssertExit(0);
        threeFirst.AssertExit(3);
        fiveFirst.AssertExit(5);
        Assert.Equal("", alone.Stdout + threeFirst.Stdout + fiveFirst.Stdout);
    }

    [Fact]
    public async Task Wait_on_one_running_job_returns_when_it_ends_with_its_code()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, $"echo waiting; {ManagementE2e.WaitForGate(worker.Gate())}; exit 7");
        await worker.WaitForLog(id, "waiting");

        using var waiting = StreamingProcess.Start(world, "wait", id);
        var timedOut = await world.P(world.ClientHome, "wait", "--timeout", "0.5", id);
        Assert.False(waiting.HasExited, "p wait returned while the job ran");
        await worker.Release();

        Assert.Equal(7, await waiting.WaitForExit());
        Assert.Equal("", waiting.Output);
        timedOut.AssertExit(124);
        Assert.Contains(id[..8], timedOut.Stderr, StringComparison.Ordinal);
        Assert.Equal(7, world.Record(id).GetProperty("exit_code").GetInt32());
    }
}
