namespace P.Core;

/// <summary>A registered worker.</summary>
/// <param name="Name">What p calls it.</param>
/// <param name="Connection">How ssh reaches it.</param>
/// <param name="Incremental">config.yaml's `incremental: true`: jobs start from the previous job's work dir.</param>
/// <param name="Slurm">Set for a Slurm submit host (config.yaml's `scheduler: slurm`): jobs run through srun.</param>
internal sealed record Worker(string Name, Connection Connection, bool Incremental = false, SlurmSettings? Slurm = null);

/// <summary>A Slurm submit host's settings: the srun arguments its jobs get unless a run gives its own.</summary>
internal sealed record SlurmSettings(string SrunArgs);
