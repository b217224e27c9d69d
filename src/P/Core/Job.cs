using System.Text.Json.Serialization;

namespace P.Core;

/// <summary>The client's record of one job, stored as jobs/&lt;id&gt;.json.</summary>
internal sealed record Job
{
    public required Guid Id { get; init; }
    public required string Worker { get; init; }
    public required string Cwd { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public required JobStatus Status { get; init; }
    public int? ExitCode { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public bool Synced { get; init; }

    /// <summary>While starting: the p process doing it. A dead one means the start was interrupted.</summary>
    public int? StarterPid { get; init; }

    [JsonIgnore]
    public string ShortId => Id.ToString("N")[..8];

    [JsonIgnore]
    public string SessionName => "p-" + ShortId;

    public TimeSpan Duration(DateTimeOffset now) => (EndedAt ?? now) - StartedAt;
}
