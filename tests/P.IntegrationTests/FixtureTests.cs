using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests;

/// <summary>The end-to-end infrastructure does what the product tests rely on.</summary>
[Collection(SshdCollection.Name)]
public sealed partial class FixtureTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Ssh_commands_on_a_worker_see_its_own_home_as_HOME()
    {
        using var world = sshd.CreateWorld(output);
        var worker = world.AddWorker("w1");

        var result = await world.Ssh(worker.Alias, "echo \"$HOME\"");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(worker.Home + "\n", result.Stdout);
    }

    [Fact]
    public async Task Tmux_on_a_worker_puts_its_socket_in_the_workers_TMUX_TMPDIR()
    {
        using var world = sshd.CreateWorld(output);
        var worker = world.AddWorker("w1");

        var result = await world.Ssh(worker.Alias, "echo \"$TMUX_TMPDIR\" && tmux -L p new-session -d sleep 600");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(worker.TmuxTmpDir + "\n", result.Stdout);
        Assert.Single(Directory.GetFileSystemEntries(worker.TmuxTmpDir, "p", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Workers_of_one_world_are_separate_machines()
    {
        using var world = sshd.CreateWorld(output);
        var first = world.AddWorker("first");
        var second = world.AddWorker("second");

        var one = await world.Ssh(first.Alias, "echo \"$HOME $TMUX_TMPDIR\"");
        var two = await world.Ssh(second.Alias, "echo \"$HOME $TMUX_TMPDIR\"");

        Assert.Equal($"{first.Home} {first.TmuxTmpDir}\n", one.Stdout);
        Assert.Equal($"{second.Home} {second.TmuxTmpDir}\n", two.Stdout);
        Assert.NotEqual(first.Home, second.Home);
    }

    [Fact]
    public async Task A_raw_user_at_host_port_logs_in_as_the_first_worker()
    {
        using var world = sshd.CreateWorld(output);
        var worker = world.AddWorker("w1");

        // ssh itself does not take user@host:port; its URI form is the same thing.
        var result = await world.Ssh("ssh://" + worker.UserAtHostPort, "echo \"$HOME\"");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(worker.Home + "\n", result.Stdout);
        Assert.Equal($"{sshd.User}@127.0.0.1:{sshd.Port}", worker.UserAtHostPort);
    }

    [Fact]
    public async Task A_noisy_bashrc_in_the_worker_home_prints_before_every_ssh_command()
    {
        using var world = sshd.CreateWorld(output);
        var worker = world.AddWorker(
            "noisy", home => File.WriteAllText(Path.Combine(home, ".bashrc"), "echo 'hello from .bashrc'\n"));

        var result = await world.Ssh(worker.Alias, "true");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("hello from .bashrc\n", result.Stdout);
    }

    [Fact]
    public async Task P_runs_with_the_worlds_environment_and_stdin_at_end_of_file()
    {
        using var world = sshd.CreateWorld(output);
        world.PBinary = "/bin/sh";
        var cwd = world.CreateClientDir("project");

        // cat returns at once only if stdin is closed, not inherited from the runner.
        var result = await world.P(cwd, "-c", "cat; pwd; env");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n');
        Assert.Equal(cwd, lines[0]);
        Assert.Contains($"HOME={world.ClientHome}", lines);
        Assert.Contains($"XDG_CONFIG_HOME={world.ConfigHome}", lines);
        Assert.Contains($"XDG_DATA_HOME={world.DataHome}", lines);
        Assert.Contains($"TMUX_TMPDIR={world.ClientTmuxTmpDir}", lines);
        Assert.Contains($"P_SSH_CONFIG={world.SshConfigPath}", lines);
        Assert.Contains("LANG=C.UTF-8", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("TMUX=", StringComparison.Ordinal)
            || l.StartsWith("SSH_AUTH_SOCK=", StringComparison.Ordinal)
            || l.StartsWith("XDG_RUNTIME_DIR=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_p_run_past_its_deadline_is_killed_with_its_output_reported()
    {
        using var world = sshd.CreateWorld(output);
        world.PBinary = "/bin/sh";
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            world.P(world.ClientHome, ["-c", "sleep 600 & echo child=$!; wait"], TimeSpan.FromMilliseconds(300)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        var child = int.Parse(ChildPid().Match(error.Message).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.False(ProcessSweeper.IsAlive(child), $"sleep {child} survived the kill:\n{error.Message}");
    }

    [Fact]
    public async Task The_built_p_binary_runs_in_a_world()
    {
        using var world = sshd.CreateWorld(output);

        var result = await world.P(world.ClientHome, "--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.NotEmpty(result.Stdout.Trim());
    }

    [Fact]
    public async Task The_built_p_binary_runs_in_a_terminal()
    {
        using var world = sshd.CreateWorld(output);
        var version = (await world.P(world.ClientHome, "--version")).Stdout.Trim();
        using var terminal = world.StartP(world.ClientHome, "--version");

        Assert.Equal(0, await terminal.WaitForExit());
        Assert.Contains(version, terminal.Transcript());
    }

    [Fact]
    public async Task Disposing_a_world_stops_every_server_it_started()
    {
        var world = sshd.CreateWorld(output);
        var worker = world.AddWorker("w1");
        var controlDir = Directory.CreateDirectory(Path.Combine(world.ClientHome, ".p", "cm")).FullName;
        var pids = new List<int>
        {
            ParsePid((await world.Ssh(worker.Alias, "tmux -L p new-session -d sleep 600 && tmux -L p display -p '#{pid}'")).Stdout),
            ParsePid(LocalTmux(world, "new-session", "-d", "sleep", "600", ";", "display", "-p", "#{pid}")),
            await StartControlMasterAsync(world, worker, controlDir),
        };
        Assert.All(pids, pid => Assert.True(ProcessSweeper.IsAlive(pid), $"{pid} did not start"));

        world.Dispose();

        Assert.All(pids, pid => Assert.False(ProcessSweeper.IsAlive(pid), $"{pid} is still running"));
        Assert.Empty(ProcessSweeper.FindProcessesUsing(world.Root));
        Assert.False(Directory.Exists(world.Root));
    }

    [Fact]
    public async Task The_terminal_takes_keys_shows_output_and_reports_the_exit_code()
    {
        using var world = sshd.CreateWorld(output);
        var cwd = world.CreateClientDir("here");
        using var terminal = world.StartTerminal(
            cwd, "/bin/sh", "-c", "read x; echo \"got:$x home:$HOME in:$PWD tmux:${TMUX:-none} term:$TERM\"; exit 3");

        terminal.SendText("hello");
        terminal.SendKeys("Enter");

        var screen = await terminal.WaitForScreen("got:hello");
        Assert.Contains($"got:hello home:{world.ClientHome} in:{cwd} tmux:none term:", screen);
        Assert.Equal(3, await terminal.WaitForExit());
    }

    [Fact]
    public async Task Ctrl_C_in_the_terminal_interrupts_the_command()
    {
        using var world = sshd.CreateWorld(output);
        using var terminal = world.StartTerminal(world.ClientHome, "/bin/cat");

        terminal.SendKeys("echoed", "Enter");
        await terminal.WaitForScreen(screen => screen.Split('\n').Count(l => l == "echoed") == 2, description: "the line twice");
        terminal.SendKeys("C-c");

        Assert.Equal(128 + 2, await terminal.WaitForExit());
    }

    private static string LocalTmux(TestWorld world, params string[] args) =>
        ProcessRunner.Run("tmux", ["-L", "p", .. args], world.Environment.AsReadOnly()).EnsureSuccess().Stdout;

    private static async Task<int> StartControlMasterAsync(TestWorld world, WorkerHome worker, string controlDir)
    {
        string[] master = ["-F", world.SshConfigPath, "-o", $"ControlPath={controlDir}/%C", "-o", "ControlPersist=600"];
        (await ProcessRunner.RunAsync("ssh", [.. master, "-o", "ControlMaster=yes", worker.Alias, "true"], world.Environment.AsReadOnly()))
            .EnsureSuccess();
        var check = await ProcessRunner.RunAsync("ssh", [.. master, "-O", "check", worker.Alias], world.Environment.AsReadOnly());
        return int.Parse(MasterPid().Match(check.Stderr).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static int ParsePid(string text) => int.Parse(text.Trim(), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"child=(\d+)")]
    private static partial Regex ChildPid();

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex MasterPid();
}
