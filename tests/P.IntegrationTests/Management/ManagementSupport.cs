using System.Text.Json;
using System.Text.Json.Nodes;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;

namespace P.IntegrationTests.Management;

/// <summary>Job-id resolution, logs and stop: one sshd of their own.</summary>
[CollectionDefinition(Name)]
public sealed class ManagementJobsCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-management-jobs";
}

/// <summary>rm and worker rm: one sshd of their own.</summary>
[CollectionDefinition(Name)]
public sealed class ManagementCleanupCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-management-cleanup";
}

/// <summary>Attach and the status bar, driven in a real terminal: one sshd of their own.</summary>
[CollectionDefinition(Name)]
public sealed class ManagementTerminalCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-management-terminal";
}

/// <summary>pull and worker ls --check: one sshd of their own.</summary>
[CollectionDefinition(Name)]
public sealed class ManagementWorkersCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-management-workers";
}

/// <summary>Helpers the management tests share: detached jobs, gates, records, worker processes.</summary>
internal static class ManagementE2e
{
    public static string DoneBanner(int code) => $"--- Job done [exit {code}]. Press any key to detach. ---";

    /// <summary>A shell loop that holds a job until <paramref name="gate"/> exists.</summary>
    public static string WaitForGate(string gate) => $"while [ ! -f {gate} ]; do sleep 0.1; done";

    /// <summary>The gate file of a worker: creating it releases every job waiting on it.</summary>
    public static string Gate(this WorkerHome worker) => worker.PathInHome("gate");

    public static Task Release(this WorkerHome worker) => File.WriteAllTextAsync(worker.Gate(), "");

    /// <summary>`p -d -- command`: returns the full job id it prints.</summary>
    public static async Task<string> StartDetached(this TestWorld world, string cwd, string command)
    {
        var result = await world.P(cwd, "-d", "--", command);
        result.AssertExit(0);
        var id = result.Stdout.Trim();
        Assert.True(Guid.TryParseExact(id, "D", out _), $"`p -d` should print the job's full id\n{result}");
        return id;
    }

    public static string Short(string id) => id[..8];

    public static string JobDir(this WorkerHome worker, string id) => worker.PathInHome(Path.Combine(".p", "jobs", id));

    public static string WorkDir(this WorkerHome worker, string id) => worker.PathInHome(Path.Combine(".p", "workdirs", id));

    public static string RecordPath(this TestWorld world, string id) => Path.Combine(world.DataHome, "p", "jobs", id + ".json");

    public static JsonElement Record(this TestWorld world, string id) =>
        JsonDocument.Parse(File.ReadAllText(world.RecordPath(id))).RootElement.Clone();

    public static string OutputLog(this WorkerHome worker, string id)
    {
        var path = Path.Combine(worker.JobDir(id), "output.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    public static Task WaitForLog(this WorkerHome worker, string id, string text) =>
        E2e.WaitFor(() => worker.OutputLog(id).Contains(text, StringComparison.Ordinal), $"'{text}' in the log of job {Short(id)}");

    /// <summary>Waits for the worker's exitcode file: the job finished (whatever the client's record says).</summary>
    public static Task WaitForExitCode(this WorkerHome worker, string id) =>
        E2e.WaitFor(() => File.Exists(Path.Combine(worker.JobDir(id), "exitcode")), $"job {Short(id)} to finish on the worker");

    /// <summary>
    /// Writes a job record into the client store, shaped like <paramref name="template"/>
    /// (a record p wrote itself) with another id, worker and outcome.
    /// </summary>
    public static void WriteRecord(this TestWorld world, JsonElement template, string id, string worker, string status, int? exitCode)
    {
        var record = JsonNode.Parse(template.GetRawText())!.AsObject();
        record["id"] = id;
        record["worker"] = worker;
        record["status"] = status;
        record["exit_code"] = exitCode;
        record["ended_at"] = record["started_at"]!.DeepClone();
        File.WriteAllText(world.RecordPath(id), record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>
    /// `ps -eo pid,stat,args` lines whose args are exactly one of <paramref name="args"/>,
    /// not zombies (nothing reaps orphans here), and whose HOME is <paramref name="home"/>:
    /// only this worker's processes, whatever else runs on the machine.
    /// </summary>
    public static IReadOnlyList<string> LiveProcesses(string home, params string[] args)
    {
        var ps = ProcessRunner.Run("ps", ["-eo", "pid,stat,args"]).EnsureSuccess();
        var found = new List<string>();
        foreach (var line in ps.Stdout.Split('\n').Skip(1))
        {
            var fields = line.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3 || fields[1].StartsWith('Z') || !args.Contains(fields[2].Trim()))
            {
                continue;
            }
            if (HomeOf(fields[0]) == home)
            {
                found.Add(line.Trim());
            }
        }
        return found;
    }

    private static string? HomeOf(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ")
                .Split('\0')
                .FirstOrDefault(v => v.StartsWith("HOME=", StringComparison.Ordinal))?["HOME=".Length..];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
