using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>`p rm --all` asks first on a terminal.</summary>
[Collection(ManagementTerminalCollection.Name)]
public sealed class RmAllTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Rm_all_on_a_terminal_asks_and_a_no_removes_nothing_while_a_yes_removes_everything()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var first = await world.StartDetached(world.ClientHome, "exit 0");
        var second = await world.StartDetached(world.ClientHome, "exit 1");
        await worker.WaitForExitCode(first);
        await worker.WaitForExitCode(second);

        using (var declined = world.StartP(world.ClientHome, "rm", "--all"))
        {
            await declined.WaitForScreen("Remove all 2 jobs");
            declined.SendKeys("n", "Enter");
            Assert.Equal(0, await declined.WaitForExit());
        }
        Assert.Equal(2, world.Jobs().Count);
        Assert.True(Directory.Exists(worker.WorkDir(first)));

        using (var confirmed = world.StartP(world.ClientHome, "rm", "--all"))
        {
            await confirmed.WaitForScreen("Remove all 2 jobs");
            confirmed.SendKeys("y", "Enter");
            Assert.Equal(0, await confirmed.WaitForExit());
        }
        Assert.Empty(world.Jobs());
        Assert.False(Directory.Exists(worker.WorkDir(first)));
        Assert.False(Directory.Exists(worker.JobDir(second)));
    }
}
