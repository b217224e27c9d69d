using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>`p worker rm`: refused while the worker has running jobs, allowed once their records say they ended.</summary>
[Collection(ManagementCleanupCollection.Name)]
public sealed class WorkerRmTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_rm_refuses_while_a_job_runs_naming_it_and_works_once_the_record_says_it_finished()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, $"echo held; {ManagementE2e.WaitForGate(worker.Gate())}; exit 3");
        await worker.WaitForLog(id, "held");

        var refused = await world.P(world.ClientHome, "worker", "rm", "w1");

        refused.AssertOneLineError();
        Assert.Contains(ManagementE2e.Short(id), refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("w1", (await world.P(world.ClientHome, "worker", "ls")).Stdout, StringComparison.Ordinal);

        await worker.Release();
        (await world.P(world.ClientHome, "logs", "-f", id)).AssertExit(3);
        Assert.Equal("done", world.Record(id).GetProperty("status").GetString());

        var removed = await world.P(world.ClientHome, "worker", "rm", "w1");

        removed.AssertExit(0);
        Assert.DoesNotContain("w1", (await world.P(world.ClientHome, "worker", "ls")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_rm_works_after_p_stop_recorded_the_end()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, $"echo held; {ManagementE2e.WaitForGate(worker.Gate())}");
        await worker.WaitForLog(id, "held");
        (await world.P(world.ClientHome, "worker", "rm", "w1")).AssertOneLineError();

        (await world.P(world.ClientHome, "stop", id)).AssertExit(0);

        Assert.Equal("stopped", world.Record(id).GetProperty("status").GetString());
        (await world.P(world.ClientHome, "worker", "rm", "w1")).AssertExit(0);
    }
}
