namespace P.Core;

/// <summary>A registered worker.</summary>
/// <param name="Name">What p calls it.</param>
/// <param name="Connection">How ssh reaches it.</param>
/// <param name="Incremental">config.yaml's `incremental: true`: jobs start from the previous job's work dir.</param>
internal sealed record Worker(string Name, Connection Connection, bool Incremental = false);
