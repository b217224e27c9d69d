using System.Text.Json.Serialization;

namespace P.Core;

internal enum JobStatus
{
    /// <summary>Recorded, but not yet running on the worker (sync or start under way).</summary>
    [JsonStringEnumMemberName("starting")] Starting,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("done")] Done,
    [JsonStringEnumMemberName("stopped")] Stopped,
    [JsonStringEnumMemberName("unknown")] Unknown,
    [JsonStringEnumMemberName("lost")] Lost,
}
