using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using P.Core;
using P.Sync;

namespace P.Agent;

/// <summary>The agent's verbs, typed. One method is one round trip.</summary>
internal sealed class AgentApi(AgentClient client)
{
    /// <summary>Creates the job's directories; returns the previous work dir of the same source, if any.</summary>
    public async Task<string?> PrepareAsync(Guid id, string source, CancellationToken ct)
    {
        var payload = await client.CallAsync("prepare", [Id(id), SourceKey(source)], ct);
        return payload.Split('\n')
            .Where(l => l.StartsWith("basis ", StringComparison.Ordinal))
            .Select(l => l[6..].Trim())
            .FirstOrDefault();
    }

    /// <summary>
    /// Starts a job that runs on by itself (mode tty or null), its work dir
    /// made from the mirror as the launch's sync says. Throws
    /// <see cref="MirrorOutOfDate"/> when the mirror needs an rsync first.
    /// </summary>
    public Task StartAsync(Job job, Launch launch, CancellationToken ct)
    {
        var variables = Encoding.UTF8.GetBytes(launch.Env.ToShell());
        var input = StartInput(launch, variables);
        return client.CallAsync("start", StartArgs(job, launch, variables), input, ct);
    }

    /// <summary>
    /// Starts a job without a terminal and relays its streams in the same
    /// call: stdin from <paramref name="stdin"/> once the job runs, stdout to
    /// <paramref name="stdout"/>, stderr and then the final state to <paramref name="stderr"/>.
    /// </summary>
    public Task StreamJobAsync(Job job, Launch launch, Stream stdin, Stream stdout, StreamTrailer stderr, Action started, CancellationToken ct)
    {
        var variables = Encoding.UTF8.GetBytes(launch.Env.ToShell());
        return client.StreamAsync("start", StartArgs(job, launch with { Mode = JobMode.Pipe }, variables), stdout, ct,
            (StartInput(launch, variables) ?? new AgentInput([])) with { Forward = stdin, Stderr = stderr, OwnSession = true, Accepted = started });
    }

    // With a sync, the call goes out at once and stdin starts with the sync's
    // spec line ("-" for none) once the client has worked it out: the
    // session opens, and the agent gets ready, meanwhile. Then the
    // environment, then the mirror's delta.
    private static AgentInput? StartInput(Launch launch, byte[] variables)
    {
        if (launch.Sync is { } sync)
        {
            return new AgentInput([]) { Later = SyncHeadAsync(sync, variables) };
        }
        return variables.Length > 0 ? new AgentInput(variables) : null;
    }

    private static async Task<byte[]> SyncHeadAsync(Task<SyncRequest?> sync, byte[] variables)
    {
        var request = await sync;
        return [.. Encoding.UTF8.GetBytes((request?.Spec ?? "-") + "\n"), .. variables, .. request?.Payload ?? []];
    }

    /// <summary>Passes a signal on to a running job's process group; false when it had finished.</summary>
    public async Task<bool> SignalAsync(Guid id, string signal, CancellationToken ct) =>
        (await client.CallAsync("signal", [Id(id), signal], ct)).StartsWith("sent", StringComparison.Ordinal);

    // The environment's values come first on stdin (-e: how many bytes), never
    // in an argv, which `ps` shows to every user of the worker, after the
    // sync's spec line (-s -); then the mirror's delta (the spec says how many
    // bytes). The rest of stdin is the job's.
    // A Slurm worker's srun words (-r: how many) come before the command.
    private static IReadOnlyList<string> StartArgs(Job job, Launch launch, byte[] variables)
    {
        var display = CommandText.Display(job.Command);
        var label = $"{job.SessionName} {job.Worker} {CommandText.Truncate(display, 40)}";
        var options = new List<string> { "-m", launch.Mode.ToString().ToLowerInvariant() };
        if (variables.Length > 0)
        {
            options.AddRange(["-e", variables.Length.ToString(CultureInfo.InvariantCulture)]);
        }
        if (launch.Sync is { } sync)
        {
            options.AddRange(["-s", "-"]);
            // While the sync is worked out, the agent walks this directory's spare.
            if (!sync.IsCompleted)
            {
                options.AddRange(["-k", SourceKey(job.Cwd)]);
            }
        }
        if (launch.Srun is { } srun)
        {
            options.AddRange(["-r", srun.Count.ToString(CultureInfo.InvariantCulture)]);
        }
        return [.. options, Id(job.Id), job.Worker, job.Cwd, display, label, .. launch.Srun ?? [], .. job.Command];
    }

    public async Task<IReadOnlyList<AgentJobState>> StatusAsync(IEnumerable<Guid> ids, CancellationToken ct) =>
        AgentJobState.ParseAll(await client.CallAsync("status", [.. ids.Select(Id)], ct));

    public async Task<AgentJobState> StatusAsync(Guid id, CancellationToken ct) =>
        (await StatusAsync([id], ct)).Single();

    public Task CloseAsync(Guid id, CancellationToken ct) => client.CallAsync("close", [Id(id)], ct);

    public Task CopyLogAsync(Guid id, bool follow, Stream sink, CancellationToken ct) =>
        client.StreamAsync("logs", follow ? [Id(id), "follow"] : [Id(id)], sink, ct);

    /// <summary>Streams the agent's notifications for these jobs (lines: "job &lt;status line&gt;", "hb &lt;epoch&gt;").</summary>
    public Task EventsAsync(IEnumerable<Guid> ids, Stream sink, CancellationToken ct) =>
        client.StreamAsync("events", [.. ids.Select(Id)], sink, ct);

    /// <summary>Stops the job's process tree; returns the last signal sent (null: it had finished) and its state.</summary>
    public async Task<(string? Signal, AgentJobState State)> StopAsync(Guid id, TimeSpan grace, CancellationToken ct)
    {
        var lines = (await client.CallAsync("stop", [Id(id), ((int)grace.TotalSeconds).ToString(CultureInfo.InvariantCulture)], ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var signal = lines[0].StartsWith("signal ", StringComparison.Ordinal) ? lines[0][7..] : null;
        return (signal, AgentJobState.ParseAll(lines[^1]).Single());
    }

    /// <summary>Deletes the jobs' directories on the worker; returns the ids it could not remove.</summary>
    public async Task<IReadOnlyList<Guid>> RemoveAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var payload = await client.CallAsync("rm", [.. ids.Select(Id)], ct);
        return [.. payload.Split('\n').Where(l => l.StartsWith("kept ", StringComparison.Ordinal)).Select(l => Guid.Parse(l[5..]))];
    }

    /// <summary>Streams a tar of <paramref name="path"/> (literal, inside the job's work dir) into <paramref name="sink"/>.</summary>
    public Task PullAsync(Guid id, string path, Stream sink, CancellationToken ct) =>
        client.StreamAsync("pull", [Id(id), path], sink, ct);

    /// <summary>The agent's version and which prerequisites the worker lacks.</summary>
    public async Task<(string Version, IReadOnlyList<string> Missing)> CheckAsync(CancellationToken ct)
    {
        var lines = (await client.CallAsync("check", [], ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var version = lines.FirstOrDefault(l => l.StartsWith("version ", StringComparison.Ordinal))?[8..] ?? "?";
        return (version, [.. lines.Where(l => l.EndsWith(" missing", StringComparison.Ordinal)).Select(l => l.Split(' ')[0])]);
    }

    /// <summary>What a Slurm submit host has: its tools, default partition, the file system of the work dirs and the cluster's nodes.</summary>
    public async Task<SlurmCheck> SlurmCheckAsync(CancellationToken ct) =>
        SlurmCheck.Parse(await client.CallAsync("slurmcheck", [], ct));

    public static IReadOnlyList<string> AttachArgv(Guid id) => AgentClient.TerminalArgv("attach", Id(id));

    /// <summary>Attaches as soon as the job's session exists: for an attach made while another call starts the job.</summary>
    public static IReadOnlyList<string> AttachWhenStartedArgv(Guid id) => AgentClient.TerminalArgv("attach", Id(id), "wait");

    private static string Id(Guid id) => id.ToString("D");

    /// <summary>Names a client directory on a worker without revealing its path: this host and the path, hashed.</summary>
    public static string SourceKey(string source) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Environment.MachineName + "\0" + source)))[..32];
}

/// <summary>
/// How a job is started besides its command: its terminal mode, its
/// environment, its sync (null: none; else what the sync brings, known
/// later, null when rsync did it all), and for a Slurm worker srun's words
/// (null: not a Slurm worker).
/// </summary>
internal sealed record Launch(JobMode Mode, JobEnvironment Env, Task<SyncRequest?>? Sync, IReadOnlyList<string>? Srun);
