using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.Management;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.RemoteExec;

/// <summary>
/// Which jobs get a terminal (-t, -d, a streamed run) and what a user sees of
/// each: the bytes p streams, the pane `p attach` shows, the log.
/// </summary>
[Collection(TerminalChoiceCollection.Name)]
public sealed class TerminalChoiceTests(SshdFixture sshd, ITestOutputHelper output)
{
    private const string NoTerminalBanner =
        "--- p: this job has no terminal: keys typed here do not reach it (Ctrl+C interrupts it, Ctrl+B D detaches) ---";

    private const string TerminalProbe = "for f in 0 1 2; do if [ -t $f ]; then printf 'tty%s ' $f; else printf 'pipe%s ' $f; fi; done";

    [Fact]
    public async Task Minus_t_from_a_script_streams_what_the_terminal_shows_and_the_jobs_exit_code()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();

        var result = await world.P(world.ClientHome, "-n", "-t", "--", $"{TerminalProbe}; echo; printf 'a\\nb\\n'; echo to-err >&2; exit 5");

        // Like `ssh -tt`: one terminal, so stderr joins stdout and every \n is shown as \r\n.
        result.AssertExit(5);
        Assert.Equal("tty0 tty1 tty2 \r\na\r\nb\r\nto-err\r\n", result.Stdout);
        // Only p's own lines (its summary) may be on stderr.
        Assert.All(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("p: ", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_detached_job_with_minus_t_has_a_terminal_and_keys_typed_on_attach_reach_it()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var start = await world.P(world.ClientHome, "-d", "-t", "-n", "--", $"{TerminalProbe}; echo; echo ask; read line; echo \"got-$line\"; exit 6");
        start.AssertExit(0);
        var id = start.Stdout.Trim();
        await worker.WaitForLog(id, "ask");

        using var terminal = world.StartP(world.ClientHome, "attach", id);
        var asked = await terminal.WaitForScreen("ask");
        Assert.Contains("tty0 tty1 tty2\nask", asked, StringComparison.Ordinal);
        Assert.DoesNotContain("keys typed here do not reach it", asked, StringComparison.Ordinal);
        terminal.SendText("hello");
        terminal.SendKeys("Enter");
        var done = await terminal.WaitForScreen(ManagementE2e.DoneBanner(6));
        Assert.Contains("hello\ngot-hello", done, StringComparison.Ordinal);
        terminal.SendKeys("Enter");

        Assert.Equal(6, await terminal.WaitForExit());
        var logs = await world.P(world.ClientHome, "logs", id);
        logs.AssertExit(0);
        // The terminal's own bytes: its echo of the typed line, and \r\n.
        Assert.Equal("tty0 tty1 tty2 \r\nask\r\nhello\r\ngot-hello\r\n", logs.Stdout);
        Assert.Equal(6, world.Record(id).GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task A_detached_job_without_a_terminal_reads_an_empty_stdin_and_its_log_has_plain_newlines()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();

        var id = await world.StartDetached(world.ClientHome, "cat; echo cat-ended; exit 2");
        await worker.WaitForExitCode(id);

        Assert.Equal("2\n", File.ReadAllText(Path.Combine(worker.JobDir(id), "exitcode")));
        var logs = await world.P(world.ClientHome, "logs", id);
        logs.AssertExit(0);
        Assert.Equal("cat-ended\n", logs.Stdout);
        Assert.Equal("", logs.Stderr);
    }

    [Fact]
    public async Task A_detached_jobs_log_keeps_stdout_and_stderr_in_the_order_they_were_written()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();

        // Each echo has ended before the next begins: one order only was written.
        var id = await world.StartDetached(world.ClientHome, "echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2; echo out-3");
        await worker.WaitForExitCode(id);

        var logs = await world.P(world.ClientHome, "logs", id);
        logs.AssertExit(0);
        Assert.Equal("out-1\nerr-1\nout-2\nerr-2\nout-3\n", logs.Stdout);
    }

    [Fact]
    public async Task A_streaming_job_can_be_watched_with_attach_while_p_streams_it_and_its_session_closes_at_the_end()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        using var streaming = StreamingProcess.Start(world, "-n", "--", $"echo streamed-line; {ManagementE2e.WaitForGate(worker.Gate())}; echo released; exit 4");
        await streaming.WaitForOutput("streamed-line");
        var id = world.SingleJob().GetProperty("id").GetString()!;

        using (var watcher = world.StartP(world.ClientHome, "attach", id))
        {
            var screen = await watcher.WaitForScreen("streamed-line");
            Assert.Contains(NoTerminalBanner, screen, StringComparison.Ordinal);
            Assert.Contains("[running]", screen, StringComparison.Ordinal);
            watcher.SendKeys("C-b", "d");
            Assert.Equal(0, await watcher.WaitForExit());
        }
        await worker.Release();

        Assert.Equal(4, await streaming.WaitForExit());
        Assert.Equal("streamed-line\nreleased\n", streaming.Output);
        Assert.Equal("", await streaming.Errors);
        // p had the job's end, so nobody waits at the end screen: the session is closed.
        await WaitUntilSessionCloses(world, id);
        var attach = await world.P(world.ClientHome, "attach", id);
        attach.AssertExit(4);
        Assert.Contains($"p logs {id[..8]}", attach.Stderr, StringComparison.Ordinal);
    }

    private static async Task WaitUntilSessionCloses(TestWorld world, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await world.Ssh("w1", $"{WorkerHome.Tmux} has-session -t p-{id}")).ExitCode == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the session of job {id[..8]} is still open");
            await Task.Delay(50);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TerminalChoiceCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-terminal-choice";
}
