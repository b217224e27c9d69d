using System.Diagnostics;
using System.Text;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.Management;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.RemoteExec;

/// <summary>`p -- cmd` from a script is what `ssh host cmd` is: exact streams, stdin, no terminal, environment.</summary>
[Collection(RemoteExecCollection.Name)]
public sealed class RemoteExecTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task A_mebibyte_of_random_bytes_goes_through_cat_byte_for_byte()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        var data = new byte[1 << 20];
        new Random(7).NextBytes(data);

        var (code, stdout, stderr) = await RunAsync(world, data, "-n", "--", "cat");

        Assert.True(code == 0, stderr);
        Assert.Equal(data.Length, stdout.Length);
        Assert.True(data.AsSpan().SequenceEqual(stdout), "the bytes differ");
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Piped_stdin_reaches_the_job_and_an_empty_one_ends_it_at_once()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();

        var counted = await RunAsync(world, "x\ny\nz\n"u8.ToArray(), "-n", "--", "wc", "-l");
        var clock = Stopwatch.StartNew();
        var empty = await RunAsync(world, [], "-n", "--", "cat");

        Assert.Equal((0, "3\n"), (counted.Code, Encoding.UTF8.GetString(counted.Stdout)));
        Assert.Equal((0, ""), (empty.Code, Encoding.UTF8.GetString(empty.Stdout)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"cat of an empty stdin took {clock.Elapsed}");
    }

    [Fact]
    public async Task Git_log_of_eighty_commits_from_a_script_ends_without_a_pager_or_escapes()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        var repo = world.CreateClientDir("repo");
        Git(repo, "init", "-q");
        for (var i = 0; i < 80; i++)
        {
            Git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", $"commit {i}");
        }

        var result = await world.P(repo, ["--", "git", "-c", "color.ui=auto", "log", "--oneline"], TimeSpan.FromSeconds(60));

        result.AssertExit(0);
        Assert.Equal(80, result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain('\u001b', result.Stdout);
        Assert.DoesNotContain('\r', result.Stdout);
    }

    [Fact]
    public async Task Stdout_and_stderr_stay_apart_and_both_are_in_the_log()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();

        var result = await world.P(world.ClientHome, "-n", "--", "echo to-out; echo to-err >&2; echo more-out; exit 5");

        result.AssertExit(5);
        Assert.Equal("to-out\nmore-out\n", result.Stdout);
        Assert.Equal("to-err\n", result.Stderr);
        var logs = await world.P(world.ClientHome, "logs", world.SingleJob().GetProperty("id").GetString()!);
        Assert.Equal(["more-out", "to-err", "to-out"], logs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    private const string TerminalProbe = "for f in 0 1 2; do if [ -t $f ]; then printf 'tty%s ' $f; else printf 'pipe%s ' $f; fi; done";

    [Fact]
    public async Task From_a_script_the_job_has_no_terminal_unless_asked_with_minus_t()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();

        var plain = await world.P(world.ClientHome, "-n", "--", TerminalProbe);
        var forced = await world.P(world.ClientHome, "-n", "-t", "--", TerminalProbe);

        plain.AssertExit(0);
        Assert.Equal("pipe0 pipe1 pipe2 ", plain.Stdout);
        forced.AssertExit(0);
        Assert.Equal("tty0 tty1 tty2 ", forced.Stdout);
    }

    [Fact]
    public async Task At_a_terminal_the_job_gets_one_and_minus_T_refuses_it()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();

        using (var attached = world.StartP(world.ClientHome, "-n", "--", TerminalProbe + "; echo; echo probed"))
        {
            // A key pressed before the end screen is type-ahead, which the end screen drops.
            var screen = await attached.WaitForScreen("Job done [exit 0]");
            Assert.Contains("tty0 tty1 tty2\nprobed\n", screen, StringComparison.Ordinal);
            attached.SendKeys("Enter");
            Assert.Equal(0, await attached.WaitForExit());
        }
        using var streamed = world.StartP(world.ClientHome, "-n", "-T", "--", TerminalProbe + "; echo; echo probed");
        Assert.Equal(0, await streamed.WaitForExit());
        Assert.Contains("pipe0 pipe1 pipe2", streamed.Transcript(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_detached_job_without_a_terminal_shows_its_output_on_attach_and_ctrl_c_there_reaches_it()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome,
            $"trap 'echo got-int; exit 4' INT; {TerminalProbe}; echo; echo waiting; while :; do sleep 0.1; done");
        await worker.WaitForLog(id, "waiting");

        using var terminal = world.StartP(world.ClientHome, "attach", id);
        await terminal.WaitForScreen("waiting");
        var screen = terminal.Screen();
        Assert.Contains("keys typed here do not reach it", screen, StringComparison.Ordinal);
        Assert.Contains("pipe0 pipe1 pipe2", screen, StringComparison.Ordinal);
        terminal.SendKeys("C-c");
        await terminal.WaitForScreen("Job done [exit 4]");
        terminal.SendKeys("Enter");

        Assert.Equal(4, await terminal.WaitForExit());
        var logs = await world.P(world.ClientHome, "logs", id);
        Assert.Equal("pipe0 pipe1 pipe2 \nwaiting\ngot-int\n", logs.Stdout);
    }

    [Fact]
    public async Task Environment_variables_reach_the_job_exactly_and_their_values_no_argv_nor_the_store()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        const string Tricky = "a b 'single' \"double\" $HOME `x` \\ \nsecond line";
        const string Secret = "s3cr3t-value-in-env";
        world.Environment["FROM_CLIENT"] = Secret;
        var envFile = Path.Combine(world.ClientHome, "job.env");
        File.WriteAllText(envFile, "# comment\nFILE_VAR=file value with spaces=and equals\n");
        var gate = worker.PathInHome("gate");

        using var job = StreamingProcess.Start(world, "-n", "-e", $"TRICKY={Tricky}", "-e", "FROM_CLIENT", "--env-file", envFile, "--",
            $"printf '[%s]\\n' \"$TRICKY\" \"$FROM_CLIENT\" \"$FILE_VAR\"; echo ready; while [ ! -f {gate} ]; do sleep 0.1; done");
        await job.WaitForOutput("ready");
        // p's own argv has what the user typed after -e; no process p starts may.
        var leaks = new[] { Secret, "second line", "file value" }.SelectMany(ProcessesWhoseArgvHas).Where(pid => pid != job.Pid).ToList();
        // The scan sees what is there: the value in p's argv, and the job's command on ssh's line, encoded.
        Assert.Contains(job.Pid, ProcessesWhoseArgvHas("second line"));
        Assert.Contains(ProcessesWhoseArgvHas("echo ready"), pid => pid != job.Pid);
        await File.WriteAllTextAsync(gate, "");

        Assert.Equal(0, await job.WaitForExit());
        Assert.Equal($"[{Tricky}]\n[{Secret}]\n[file value with spaces=and equals]\nready\n", job.Output);
        Assert.Empty(leaks);
        var listing = await world.P(world.ClientHome, "ls", "--json");
        Assert.DoesNotContain(Secret, listing.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("second line", listing.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("file value", listing.Stdout, StringComparison.Ordinal);
        var envOnWorker = Path.Combine(worker.JobDir(world.SingleJob()), "env");
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(envOnWorker));
    }

    [Fact]
    public async Task The_job_gets_the_workers_login_umask()
    {
        using var world = sshd.CreateWorld(output);
        // Debian's bash reads ~/.bashrc for `ssh host cmd`: that is the login umask here.
        var worker = await world.RegisteredWorker("w1", home => File.WriteAllText(Path.Combine(home, ".bashrc"), "umask 002\n"));
        var login = await world.Ssh(worker.Alias, "umask");

        var result = await world.P(world.ClientHome, "-n", "--", "umask; touch made; ls -l made | cut -c1-10");

        result.AssertExit(0);
        Assert.Equal("0002\n", login.Stdout);
        Assert.Equal("0002\n-rw-rw-r--\n", result.Stdout);
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(worker.JobDir(world.SingleJob())));
    }

    [Fact]
    public async Task A_dropped_link_while_streaming_leaves_the_job_running_and_p_says_so()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");
        // p's stdin stays open and silent: the job's cat can only end when the link does.
        using var job = StreamingProcess.StartIn(world, world.ClientHome, closeStdin: false,
            "-n", "--", $"echo started; cat >/dev/null; echo stdin-eof; while [ ! -f {gate} ]; do sleep 0.1; done; echo after; exit 3");
        await job.WaitForOutput("started");
        var id = world.SingleJob().GetProperty("id").GetString()!;
        Assert.Equal("started\n", worker.OutputLog(id));

        // The link: the ssh processes p runs and their shared master, which
        // renames itself "ssh: <control path> [mux]" (and may lose its environment doing so).
        var controlDir = Path.Combine(world.ClientHome, ".p", "cm");
        var link = ProcessesWhoseArgvHas(controlDir).Where(pid => pid != job.Pid).ToList();
        Assert.NotEmpty(link);
        foreach (var pid in link)
        {
            LiveState.Processes.KillTree(pid);
        }

        Assert.Equal(253, await job.WaitForExit());
        Assert.StartsWith($"p: lost the connection to w1; job {id[..8]} keeps running there.\n", await job.Errors, StringComparison.Ordinal);
        Assert.Equal("started\n", job.Output);
        // The job's stdin came from the link: it sees end of file, and goes on.
        await worker.WaitForLog(id, "stdin-eof");
        Assert.False(File.Exists(worker.PathInHome($".p/jobs/{id}/exitcode")), "the job must outlive the link");
        await File.WriteAllTextAsync(gate, "");
        await worker.WaitForExitCode(id);
        Assert.Equal("3\n", File.ReadAllText(worker.PathInHome($".p/jobs/{id}/exitcode")));
        Assert.Equal("started\nstdin-eof\nafter\n", worker.OutputLog(id));

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "ssh master killed while streaming", job: "kept running", record: "running", exitCode: "253 (p)");
    }

    [Fact]
    public async Task Wait_blocks_until_jobs_end_and_exits_with_the_first_non_zero_code()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var finished = await world.StartDetached(world.ClientHome, "exit 0");
        var failing = await world.StartDetached(world.ClientHome, $"{ManagementE2e.WaitForGate(worker.Gate())}; exit 7");
        await worker.WaitForExitCode(finished);

        var atOnce = await world.P(world.ClientHome, "wait", finished);
        var timedOut = await world.P(world.ClientHome, "wait", "--timeout", "1", failing);
        using var waiting = StreamingProcess.Start(world, "wait", finished, failing);
        await worker.Release();

        atOnce.AssertExit(0);
        timedOut.AssertExit(124);
        Assert.Contains(failing[..8], timedOut.Stderr, StringComparison.Ordinal);
        Assert.Equal(7, await waiting.WaitForExit());
        Assert.Equal("done", world.Record(failing).GetProperty("status").GetString());
    }

    private static void Git(string dir, params string[] args) =>
        ProcessRunner.Run("git", ["-C", dir, .. args]).EnsureSuccess();

    // The argv of every process on the machine (client and worker are one here),
    // each word also decoded as the bootstrap's word: p sends its agent's argv encoded so.
    private static List<int> ProcessesWhoseArgvHas(string text) =>
        [.. Directory.GetDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Where(d =>
            {
                try
                {
                    var words = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(d, "cmdline"))).Split('\0');
                    return words.Any(w => w.Contains(text, StringComparison.Ordinal) || (P.Transport.RemoteBootstrap.TryDecode(w) ?? "").Contains(text, StringComparison.Ordinal));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            })
            .Select(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture))];

    private static async Task<(int Code, byte[] Stdout, string Stderr)> RunAsync(TestWorld world, byte[] stdin, params string[] args)
    {
        var info = new ProcessStartInfo(world.PBinary ?? PCli.BinaryPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = world.ClientHome,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Clear();
        foreach (var (key, value) in world.Environment)
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = new MemoryStream();
        var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, timeout.Token);
        var readErr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardInput.BaseStream.WriteAsync(stdin, timeout.Token);
        process.StandardInput.Close();
        await Task.WhenAll(readOut, readErr);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, stdout.ToArray(), await readErr);
    }
}

[CollectionDefinition(Name)]
public sealed class RemoteExecCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-remote-exec";
}
