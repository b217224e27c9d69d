using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>The `local` worker: the same agent and layout on this machine, without ssh.</summary>
public sealed class LocalWorkerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_local_worker_syncs_runs_and_keeps_the_layout_under_the_local_home()
    {
        using var world = TestWorld.CreateLocal(output);
        (await world.P(world.ClientHome, "worker", "register", "local")).AssertExit(0);
        var src = world.CreateClientDir("proj");
        File.WriteAllText(Path.Combine(src, "in.txt"), "local-data");

        var result = await world.P(src, "--", "cat in.txt; exit 2");

        result.AssertExit(2);
        Assert.Equal("local-data", result.Stdout);
        var id = world.SingleJob().GetProperty("id").GetString()!;
        Assert.Equal("2\n", File.ReadAllText(Path.Combine(world.ClientHome, ".p", "jobs", id, "exitcode")));
        Assert.True(File.Exists(Path.Combine(world.ClientHome, ".p", "workdirs", id, "in.txt")));
    }

    [Fact]
    public async Task The_local_worker_attaches_on_a_terminal()
    {
        using var world = TestWorld.CreateLocal(output);
        (await world.P(world.ClientHome, "worker", "register", "local")).AssertExit(0);
        using var terminal = world.StartP(world.ClientHome, "-n", "--", "echo", "local-attached");

        await terminal.WaitForScreen("--- Job done [exit 0]. Press any key to detach. ---");
        Assert.Contains("local-attached", terminal.Screen(), StringComparison.Ordinal);
        terminal.SendKeys("x");

        Assert.Equal(0, await terminal.WaitForExit());
    }

    [Fact]
    public async Task A_worker_without_tmux_gets_a_message_naming_what_to_install()
    {
        using var world = TestWorld.CreateLocal(output);
        (await world.P(world.ClientHome, "worker", "register", "local")).AssertExit(0);
        var bin = world.CreateClientDir("bin-without-tmux");
        foreach (var dir in new[] { "/usr/local/bin", "/usr/bin", "/bin" })
        {
            foreach (var tool in Directory.GetFiles(dir))
            {
                var link = Path.Combine(bin, Path.GetFileName(tool));
                if (Path.GetFileName(tool) != "tmux" && !File.Exists(link))
                {
                    File.CreateSymbolicLink(link, tool);
                }
            }
        }
        world.Environment["PATH"] = bin;

        var result = await world.P(world.ClientHome, "-n", "--", "true");

        result.AssertOneLineError();
        Assert.Contains("tmux is not installed", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(world.Jobs());
    }
}
