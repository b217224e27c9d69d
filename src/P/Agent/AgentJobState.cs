using System.Globalization;

namespace P.Agent;

/// <summary>One line of the agent's `status` reply: what the worker knows of a job.</summary>
internal sealed record AgentJobState(Guid Id, string State, int? ExitCode, DateTimeOffset? EndedAt, bool SessionOpen)
{
    public bool Finished => State is "done" or "stopped";

    public static IReadOnlyList<AgentJobState> ParseAll(string payload) =>
        [.. payload.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse)];

    private static AgentJobState Parse(string line)
    {
        var f = line.Split(' ');
        if (f.Length != 5 || !Guid.TryParse(f[0], out var id))
        {
            throw new FormatException($"unexpected status line from the agent: {line}");
        }
        int? code = int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : null;
        DateTimeOffset? ended = long.TryParse(f[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var e)
            ? DateTimeOffset.FromUnixTimeSeconds(e)
            : null;
        return new AgentJobState(id, f[1], code, ended, f[4] == "open");
    }
}
