using System.Globalization;
using P.Core;

namespace P.Agent;

/// <summary>
/// One line of the agent's `status` reply: what the worker knows of a job.
/// Times are on the worker's clock.
/// </summary>
internal sealed record AgentJobState(Guid Id, WorkerState State, int? ExitCode, DateTimeOffset? EndedAt, bool SessionOpen, DateTimeOffset? StartedAt)
{
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
        if (f.Length != 6 || !Guid.TryParse(f[0], out var id) || !Enum.TryParse<WorkerState>(f[1], ignoreCase: true, out var state)
            || !char.IsAsciiLetterLower(f[1][0]))
        {
            throw new FormatException($"unexpected status line from the agent: {line}");
        }
        int? code = int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : null;
        return new AgentJobState(id, state, code, Epoch(f[3]), f[4] == "open", Epoch(f[5]));
    }

    private static DateTimeOffset? Epoch(string field) =>
        long.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
