using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests;

[Collection(TcshSshdCollection.Name)]
public sealed class TcshFixtureTests(TcshSshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Ssh_commands_are_run_by_tcsh_with_the_workers_HOME()
    {
        using var world = sshd.CreateWorld(output);
        var worker = world.AddWorker("w1");

        // $tcsh is set by tcsh only; sh-like shells would print an empty value.
        var result = await world.Ssh(worker.Alias, "echo \"tcsh:$tcsh home:$HOME\"");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^tcsh:\d+\.\d+\S* home:" + worker.Home + "\n$", result.Stdout);
    }
}
