using System.Globalization;

namespace P.Agent;

/// <summary>
/// One line of the agent's `status` reply: what the worker knows of a job.
/// Times are on the worker's clock.
/// </summary>
internal sealed record AgentJobState(Guid Id, string State, int? ExitCode, DateTimeOffset? EndedAt, bool SessionOpen, DateTimeOffset? StartedAt)
{
    public bool Finished => State is "done" or "stopped";

    /// <summary>How long the job ran, measured on the worker alone (clocks of client and worker may differ).</summary>
    public TimeSpan? RunTime => EndedAt - StartedAt;

    public static IReadOnlyList<AgentJobState> ParseAll(string payload) =>
        [.. payload.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse)];

    private static AgentJobState Parse(string line)
    {
        var f = line.Split(' ');
        if (f.Length != 6 || !Guid.TryParse(f[0], out var id))
        {
            throw new FormatException($"unexpected status line from the agent: {line}");
        }
        int? code = int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : null;
        return new AgentJobState(id, f[1], code, Epoch(f[3]), f[4] == "open", Epoch(f[5]));
    }

    private static DateTimeOffset? Epoch(string field) =>
        long.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
