using System.Text.Json;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.Management;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Trust;

/// <summary>Faults on the worker, injected for real: one sshd of their own.</summary>
[CollectionDefinition(Name)]
public sealed class WorkerFaultCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-trust-worker-faults";
}

/// <summary>
/// A worker that rebooted or ran out of memory, a full disk, another user's
/// directory, hundreds of finished jobs: no job, process or true state is lost.
/// </summary>
[Collection(WorkerFaultCollection.Name)]
public sealed class WorkerFaultTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Stop_and_rm_f_spare_a_stranger_that_was_given_the_jobs_process_group_id()
    {
        Assert.True(Environment.IsPrivilegedProcess, "reusing a pid on purpose needs root (/proc/sys/kernel/ns_last_pid)");
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, "sleep 600");
        var pgidFile = Path.Combine(worker.JobDir(id), "pgid");
        await E2e.WaitFor(() => File.Exists(pgidFile) && File.ReadAllText(pgidFile).EndsWith('\n'), "the job's pgid");
        var pgid = int.Parse(File.ReadAllText(pgidFile).Split(' ')[0]);

        // The worker's tmux server dies (an OOM kill, a reboot) and the job with it.
        (await world.Ssh("w1", $"kill -KILL $({WorkerHome.Tmux} display -p '#{{pid}}') -- -{pgid}")).EnsureSuccess();
        // Its zombies hold the id until PID 1 reaps them, which it does now and then.
        await E2e.WaitFor(() => !WorkerProcesses.GroupExists(pgid), $"process group {pgid} to end and be reaped", TimeSpan.FromSeconds(90));
        // A new process group of the same user is given the old id.
        var stranger = WorkerProcesses.SpawnWithPid(pgid, world.Root);
        try
        {
            var stop = await world.P(world.ClientHome, "stop", id);
            var rm = await world.P(world.ClientHome, "rm", "-f", id);

            Assert.True(WorkerProcesses.IsAlive(stranger), $"the stranger with pid {pgid} was killed\n{stop}\n{rm}");
            rm.AssertExit(0);
            Assert.Empty(world.Jobs());
        }
        finally
        {
            WorkerProcesses.Kill(stranger);
        }

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "tmux server killed, the pgid reused (ns_last_pid)", job: "stranger not signalled", record: "removed by rm -f", exitCode: "-");
    }

    [Fact]
    public async Task A_job_that_fills_the_workers_disk_reports_its_exit_code_and_a_start_on_the_full_disk_fails_with_the_reason()
    {
        Assert.True(Environment.IsPrivilegedProcess, "mounting a small tmpfs as the worker's ~/.p needs root");
        using var world = sshd.CreateWorld(output);
        var worker = world.AddWorker("w1");
        var dotP = Directory.CreateDirectory(worker.PathInHome(".p")).FullName;
        ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "p-e2e-full", dotP]).EnsureSuccess();
        try
        {
            (await world.P(world.ClientHome, "worker", "register", worker.Connection)).AssertExit(0);
            var fill = world.CreateClientDir("fill");

            var filler = await world.P(fill, "-d", "--", "head -c 4M /dev/zero >big; exit 3");
            filler.AssertExit(0);
            var id = filler.Stdout.Trim();
            var wait = await world.P(fill, "wait", id);

            wait.AssertExit(3);
            Assert.False(File.Exists(Path.Combine(worker.JobDir(id), "exitcode")), "the disk had room for exitcode: nothing was tested");
            var listed = await world.P(fill, "ls", "--json");
            var job = Assert.Single(JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray());
            Assert.Equal(("done", 3), (job.GetProperty("status").GetString(), job.GetProperty("exit_code").GetInt32()));

            var next = await world.P(fill, "--", "true");

            next.AssertOneLineError();
            Assert.Contains("No space left on device", next.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(world.Jobs(), j => j.GetProperty("status").GetString() is "running" or "starting");
        }
        finally
        {
            await world.Ssh("w1", $"{WorkerHome.Tmux} kill-server");
            ProcessRunner.Run("umount", ["-l", dotP]).EnsureSuccess();
        }

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "worker ~/.p on a full 2 MB tmpfs", job: "ran to its end", record: "done [3]; next start refused with the reason", exitCode: "3 (kept in tmux)");
    }

    [Fact]
    public async Task Another_users_tmux_directory_does_not_stop_jobs_and_tmuxs_own_reason_is_shown_when_it_fails()
    {
        Assert.True(Environment.IsPrivilegedProcess, "a directory of another user needs root to make");
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        // Another account was first to make tmux's default socket directory.
        var squatted = Directory.CreateDirectory(Path.Combine(worker.TmuxTmpDir, "tmux-0")).FullName;
        ProcessRunner.Run("chown", ["65534:65534", squatted]).EnsureSuccess();
        ProcessRunner.Run("chmod", ["700", squatted]).EnsureSuccess();

        var run = await world.P(world.ClientHome, "--", "echo", "ran");

        Assert.Equal((0, "ran\n"), (run.ExitCode, run.Stdout));

        // When tmux itself cannot start, its reason reaches the user.
        (await world.Ssh("w1", $"{WorkerHome.Tmux} kill-server; rm -f \"$HOME/.p/tmux\" && mkdir \"$HOME/.p/tmux\"")).EnsureSuccess();
        var failed = await world.P(world.ClientHome, "--", "echo", "ran");

        failed.AssertOneLineError();
        Assert.Contains("tmux could not start the job's session: ", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains("Is a directory", failed.Stderr, StringComparison.Ordinal);

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "another user owns tmux-<uid>; socket path a directory", job: "ran; then refused with tmux's reason", record: "kept", exitCode: "0");
    }

    [Fact]
    public async Task On_a_slow_worker_type_ahead_does_not_dismiss_the_end_screen_and_the_key_pressed_after_it_does()
    {
        using var world = sshd.CreateWorld(output);
        // A slow worker: every tmux call waits half a second first.
        var slow = Directory.CreateDirectory(Path.Combine(world.Root, "slow-bin")).FullName;
        var tmux = ProcessRunner.Run("sh", ["-c", "command -v tmux"]).EnsureSuccess().Stdout.Trim();
        File.WriteAllText(Path.Combine(slow, "tmux"), $"#!/bin/sh\nsleep 0.5\nexec {tmux} \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(slow, "tmux"), (UnixFileMode)0b111_101_101);
        var worker = world.AddWorker("w1", environment: new Dictionary<string, string> { ["PATH"] = $"{slow}:/usr/local/bin:/usr/bin:/bin" });
        (await world.P(world.ClientHome, "worker", "register", worker.Connection)).AssertExit(0);
        var gate = worker.PathInHome("go");

        using var terminal = world.StartP(world.ClientHome, "--", $"while [ ! -e {gate} ]; do sleep 0.05; done; echo finished; exit 5");
        await terminal.WaitForScreen("[running]");
        terminal.SendKeys("x", "y", "Enter", "z");
        File.WriteAllText(gate, "");
        await terminal.WaitForScreen(ManagementE2e.DoneBanner(5));
        Assert.False(terminal.HasExited, "keys typed while the job ran dismissed the end screen");
        terminal.SendKeys("a");

        Assert.Equal(5, await terminal.WaitForExit());

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "slow worker (every tmux call +0.5 s), type-ahead", job: "end screen kept until a key", record: "done [5]", exitCode: "5");
    }

    [Fact]
    public async Task Finished_jobs_keep_no_process_their_end_screen_stays_and_a_key_on_it_closes_it()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await world.StartDetached(world.ClientHome, $"echo job-{i}; exit {i}"));
        }
        foreach (var id in ids)
        {
            await worker.WaitForExitCode(id);
        }

        var panes = await world.Ssh("w1", $"{WorkerHome.Tmux} list-panes -a -F '#{{session_name}} #{{pane_dead}}'");
        foreach (var id in ids)
        {
            Assert.Contains($"p-{id} 1\n", panes.Stdout, StringComparison.Ordinal);
        }
        await E2e.WaitFor(() => WorkerProcesses.WithCwdUnder(worker.PathInHome(Path.Combine(".p", "workdirs"))).Count == 0,
            "no process left in the worker's ~/.p once every job finished");

        using var terminal = world.StartP(world.ClientHome, "attach", ids[2]);
        await terminal.WaitForScreen(ManagementE2e.DoneBanner(2));
        terminal.SendKeys("x");
        Assert.Equal(2, await terminal.WaitForExit());
        var left = await world.Ssh("w1", $"{WorkerHome.Tmux} has-session -t p-{ids[2]}");
        Assert.NotEqual(0, left.ExitCode);

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "5 finished detached jobs", job: "no process left; dead panes", record: "done", exitCode: "0..4");
    }
}

/// <summary>Processes of the worker (the same machine here), seen through /proc.</summary>
internal static class WorkerProcesses
{
    /// <summary>Whether any process, zombies included, still holds the id <paramref name="pgid"/>.</summary>
    public static bool GroupExists(int pgid) =>
        Directory.Exists($"/proc/{pgid}") || Pids().Any(pid => Stat(pid) is { } fields && fields[2] == pgid.ToString());

    /// <summary>The live processes whose working directory is under <paramref name="dir"/>.</summary>
    public static IReadOnlyList<string> WithCwdUnder(string dir) =>
        [.. Pids().Where(pid => ProcessSweeper.IsAlive(pid) && CwdOf(pid) is { } cwd && (cwd == dir || cwd.StartsWith(dir + "/", StringComparison.Ordinal)))
            .Select(ProcessSweeper.Describe)];

    /// <summary>
    /// Starts `setsid sleep 600` with the pid <paramref name="pid"/> (and so the
    /// process group <paramref name="pid"/>): ns_last_pid is set just before
    /// each fork; other processes of the machine may take the pid first, so the
    /// fork is tried until it lands. Returns the process and its start time.
    /// </summary>
    public static (int Pid, string StartTime) SpawnWithPid(int pid, string cwd)
    {
        var script = $$"""
            for try in $(seq 1 500); do
              echo {{pid - 1}} >/proc/sys/kernel/ns_last_pid
              setsid sleep 600 </dev/null >/dev/null 2>&1 &
              if [ "$!" = {{pid}} ]; then exit 0; fi
              kill "$!"
            done
            echo "pid {{pid}} never came free: $(cat /proc/{{pid}}/stat 2>&1)" >&2
            exit 1
            """;
        ProcessRunner.Run("bash", ["-c", script], workingDirectory: cwd).EnsureSuccess();
        var fields = Stat(pid) ?? throw new InvalidOperationException($"the stranger {pid} is gone");
        Assert.Equal(pid.ToString(), fields[2]);
        return (pid, fields[19]);
    }

    /// <summary>Whether the very process that was spawned (same pid, same start time) still runs.</summary>
    public static bool IsAlive((int Pid, string StartTime) process) =>
        ProcessSweeper.IsAlive(process.Pid) && Stat(process.Pid)?[19] == process.StartTime;

    public static void Kill((int Pid, string StartTime) process)
    {
        if (IsAlive(process))
        {
            ProcessRunner.Run("kill", ["-KILL", process.Pid.ToString()]);
        }
    }

    // The fields of /proc/<pid>/stat after the command name: [0] is field 3 (state).
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? CwdOf(int pid)
    {
        try
        {
            return new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0);
}
