using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests;

[Collection(FishSshdCollection.Name)]
public sealed class FishFixtureTests(FishSshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Ssh_commands_are_run_by_fish_with_the_workers_HOME()
    {
        using var world = sshd.CreateWorld(output);
        var worker = world.AddWorker("w1");

        // $FISH_VERSION is set by fish only; bash and sh would print an empty line.
        var result = await world.Ssh(worker.Alias, "echo \"fish:$FISH_VERSION home:$HOME\"");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^fish:\d+\.\d+\S* home:" + worker.Home + "\n$", result.Stdout);
    }
}
