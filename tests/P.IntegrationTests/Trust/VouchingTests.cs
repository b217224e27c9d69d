using System.Text.Json;
using System.Text.Json.Nodes;
using P.IntegrationTests.Infrastructure;
using WorldProcesses = P.IntegrationTests.LiveState.Processes;
using P.IntegrationTests.Management;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Trust;

/// <summary>`p ls` says only what it was told: a killed watcher, a reused starter pid, another machine's start.</summary>
[Collection(WorkerFaultCollection.Name)]
public sealed class VouchingTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task With_the_watcher_killed_and_the_job_finished_no_ls_says_running()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, $"{ManagementE2e.WaitForGate(worker.Gate())}; exit 7");
        await E2e.WaitFor(() => WorldProcesses.Watchers(world.ClientHome, "w1").Count == 1, "the watcher");
        foreach (var pid in WorldProcesses.Watchers(world.ClientHome, "w1"))
        {
            WorldProcesses.KillTree(pid);
        }
        await E2e.WaitFor(() => WorldProcesses.Watchers(world.ClientHome, "w1").Count == 0, "the watcher to die");
        await worker.Release();
        await worker.WaitForExitCode(id);

        // Each ls right after the other, and right after a watcher was launched.
        var statuses = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var listed = await world.P(world.ClientHome, "ls", "--json");
            listed.AssertExit(0);
            statuses.Add(Assert.Single(JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray()).GetProperty("status").GetString()!);
        }

        Assert.Equal(["done", "done", "done"], statuses);

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "watcher killed by pid, job finished", job: "-", record: "done [7] at every ls", exitCode: "7");
    }

    [Fact]
    public async Task An_unreachable_worker_with_no_watcher_gives_unknown_not_running()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, ManagementE2e.WaitForGate(worker.Gate()));
        await E2e.WaitFor(() => WorldProcesses.Watchers(world.ClientHome, "w1").Count == 1, "the watcher");
        foreach (var pid in WorldProcesses.Watchers(world.ClientHome, "w1"))
        {
            WorldProcesses.KillTree(pid);
        }
        await E2e.WaitFor(() => WorldProcesses.Watchers(world.ClientHome, "w1").Count == 0, "the watcher to die");
        // The link drops: the worker's port now refuses, and the master is gone.
        File.WriteAllText(world.SshConfigPath, File.ReadAllText(world.SshConfigPath).Replace($"Port {worker.Port}", "Port 1"));
        foreach (var socket in Directory.GetFileSystemEntries(Path.Combine(world.ClientHome, ".p", "cm")))
        {
            ProcessRunner.Run("ssh", ["-O", "exit", "-o", $"ControlPath={socket}", "x"]);
        }

        var listed = await world.P(world.ClientHome, "ls", "--json");

        listed.AssertExit(0);
        var job = Assert.Single(JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray());
        Assert.Equal((id, "unknown"), (job.GetProperty("id").GetString(), job.GetProperty("status").GetString()));

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "watcher killed, worker unreachable", job: "still running there", record: "unknown (not running)", exitCode: "-");
    }

    [Fact]
    public async Task A_starting_record_whose_pid_now_belongs_to_another_process_is_resolved_and_another_hosts_is_left_alone()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        var template = world.Record(await world.StartDetached(world.ClientHome, "true"));
        // A watcher that hears the worker, as when other jobs run there: p ls
        // must not leave the records below to it.
        var held = await world.StartDetached(world.ClientHome, "sleep 600");
        var alive = Path.Combine(world.DataHome, "p", "watch", "w1.alive");
        var launched = Path.Combine(world.DataHome, "p", "watch", "w1.launched");
        await E2e.WaitFor(() => File.Exists(alive) && File.GetLastWriteTimeUtc(alive) > File.GetLastWriteTimeUtc(launched), "a watcher that hears the worker");
        using var stranger = System.Diagnostics.Process.Start("sleep", "600");
        try
        {
            // The same pid, but not the process that wrote the record: its start time differs.
            var reused = Guid.NewGuid().ToString("D");
            WriteStarting(world, template, reused, stranger.Id, Environment.MachineName, startTime: "1");
            // A start in progress on another machine sharing this home.
            var foreign = Guid.NewGuid().ToString("D");
            WriteStarting(world, template, foreign, stranger.Id, "another-host", startTime: "1");

            var listed = await world.P(world.ClientHome, "ls", "--json");

            listed.AssertExit(0);
            var byId = JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().ToDictionary(j => j.GetProperty("id").GetString()!, j => j.GetProperty("status").GetString());
            Assert.Equal("lost", byId[reused]);
            Assert.Equal("starting", byId[foreign]);
            Assert.Equal("running", byId[held]);
        }
        finally
        {
            stranger.Kill();
        }

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "starter pid reused; starter on another host", job: "-", record: "lost; other host's left starting", exitCode: "-");
    }

    private static void WriteStarting(TestWorld world, JsonElement template, string id, int pid, string host, string startTime)
    {
        var record = JsonNode.Parse(template.GetRawText())!.AsObject();
        record["id"] = id;
        record["status"] = "starting";
        record["exit_code"] = null;
        record["ended_at"] = null;
        record["started_at"] = DateTimeOffset.UtcNow.ToString("O");
        record["starter_pid"] = pid;
        record["starter_host"] = host;
        record["starter_boot"] = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        record["starter_start_time"] = startTime;
        File.WriteAllText(world.RecordPath(id), record.ToJsonString() + "\n");
    }
}
