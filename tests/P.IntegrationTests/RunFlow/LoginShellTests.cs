using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>Workers whose login shell is not sh, or whose ~/.bashrc prints, work the same.</summary>
[Collection(FishSshdCollection.Name)]
public sealed class FishLoginShellTests(FishSshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public Task A_worker_whose_login_shell_is_fish_syncs_and_runs_argv_exactly() =>
        LoginShellChecks.SyncAndArgv(sshd.CreateWorld(output));
}

[Collection(TcshSshdCollection.Name)]
public sealed class TcshLoginShellTests(TcshSshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public Task A_worker_whose_login_shell_is_tcsh_syncs_and_runs_argv_exactly() =>
        LoginShellChecks.SyncAndArgv(sshd.CreateWorld(output));
}

[Collection(SshdCollection.Name)]
public sealed class NoisyBashrcTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task A_worker_whose_bashrc_echoes_text_syncs_and_runs_with_clean_output()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker("w1", home => File.WriteAllText(Path.Combine(home, ".bashrc"), "echo HELLO-FROM-BASHRC\n"));
        var noise = await world.Ssh("w1", "true");
        Assert.Contains("HELLO-FROM-BASHRC", noise.Stdout, StringComparison.Ordinal);

        await LoginShellChecks.SyncAndArgv(world, dispose: false);
    }
}

internal static class LoginShellChecks
{
    public static async Task SyncAndArgv(TestWorld world, bool dispose = true)
    {
        try
        {
            var worker = world.Workers.Count > 0 ? world.Workers[0] : await world.RegisteredWorker();
            var src = world.CreateClientDir("proj");
            File.WriteAllText(Path.Combine(src, "data.txt"), "synced");
            string[] words = ["a b", "it's", "$HOME", "x\\y", "!!", "new\nline", "ü€"];

            var result = await world.P(src, ["--", "sh", "-c", "cat data.txt; printf '[%s]' \"$@\"", "sh", .. words], PCli.DefaultTimeout);

            result.AssertExit(0);
            Assert.Equal("synced" + string.Concat(words.Select(w => $"[{w}]")), result.Stdout);
            Assert.DoesNotContain("HELLO-FROM-BASHRC", result.Stdout, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(worker.WorkDir(world.SingleJob()), "data.txt")));
        }
        finally
        {
            if (dispose)
            {
                world.Dispose();
            }
        }
    }
}
