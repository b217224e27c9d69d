using System.Globalization;
using P.Core;

namespace P.Agent;

/// <summary>
/// One line of the agent's `status` reply: what the worker knows of a job.
/// Times are on the worker's clock.
/// </summary>
internal sealed record AgentJobState(Guid Id, WorkerState State, int? ExitCode, DateTimeOffset? EndedAt, bool SessionOpen, DateTimeOffset? StartedAt)
{
    /// <summary>For a job on a Slurm worker: what Slurm says of it (null: not a Slurm job, or its id not known yet).</summary>
    public SlurmJob? Slurm { get; init; }

    /// <summary>The job ran and ended, with an exit code.</summary>
    public bool Finished => State is WorkerState.Done or WorkerState.Stopped;

    /// <summary>The job never reached its tmux session on the worker.</summary>
    public bool NeverStarted => State is WorkerState.Unstarted or WorkerState.Gone;

    /// <summary>The status the client records for this state.</summary>
    public JobStatus Status => State switch
    {
        WorkerState.Running => JobStatus.Running,
        WorkerState.Done => JobStatus.Done,
        WorkerState.Stopped => JobStatus.Stopped,
        _ => JobStatus.Lost,
    };

    /// <summary>How long the job ran, measured on the worker alone (clocks of client and worker may differ).</summary>
    public TimeSpan? RunTime => EndedAt - StartedAt;

    public static IReadOnlyList<AgentJobState> ParseAll(string payload) =>
        [.. payload.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse)];

    private static AgentJobState Parse(string line)
    {
        var f = line.Split(' ');
        if (f.Length is not (6 or 7) || (f.Length == 7 && !f[6].StartsWith("slurm=", StringComparison.Ordinal)) || !Guid.TryParse(f[0], out var id) || !Enum.TryParse<WorkerState>(f[1], ignoreCase: true, out var state)
            || !char.IsAsciiLetterLower(f[1][0]))
        {
            throw new FormatException($"unexpected status line from the agent: {line}");
        }
        int? code = int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : null;
        return new AgentJobState(id, state, code, Epoch(f[3]), f[4] == "open", Epoch(f[5]))
        {
            Slurm = f.Length == 7 ? SlurmJob.Parse(f[6]["slurm=".Length..]) : null,
        };
    }

    private static DateTimeOffset? Epoch(string field) =>
        long.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}

/// <summary>
/// A job as Slurm knows it: its id, the state squeue gives (PENDING, RUNNING,
/// COMPLETED, ...; null once squeue has forgotten the job) and Slurm's reason.
/// </summary>
internal sealed record SlurmJob(string Id, string? State, string Reason)
{
    /// <summary>"&lt;id&gt;,&lt;STATE or -&gt;,&lt;reason, spaces as _, or -&gt;", or "-" when neither squeue nor the job knows its id.</summary>
    public static SlurmJob? Parse(string field)
    {
        var parts = field.Split(',', 3);
        return parts.Length == 3
            ? new SlurmJob(parts[0], parts[1] == "-" ? null : parts[1], parts[2] == "-" ? "" : parts[2].Replace('_', ' '))
            : null;
    }

    public bool Pending => State == "PENDING";
}
