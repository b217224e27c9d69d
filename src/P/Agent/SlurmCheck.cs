namespace P.Agent;

/// <summary>The agent's `slurmcheck` reply, and what `p worker ls --check` says of it.</summary>
internal sealed record SlurmCheck(IReadOnlyList<string> Missing, string? Partition, string? PartitionState, int IdleNodes, string FileSystem, string Host, IReadOnlyList<string> Nodes)
{
    // File systems that live on one machine: compute nodes other than the
    // submit host cannot see a work dir there.
    private static readonly HashSet<string> LocalFileSystems = ["ext2/ext3", "ext4", "xfs", "btrfs", "tmpfs", "ramfs", "overlayfs", "zfs", "f2fs"];

    public static SlurmCheck Parse(string payload)
    {
        var missing = new List<string>();
        var nodes = new List<string>();
        string? partition = null, partitionState = null;
        var idle = 0;
        string fs = "unknown", host = "";
        foreach (var line in payload.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            switch (f[0])
            {
                case "partition" when f.Length >= 5:
                    // One line per node state: "partition debug up idle 1".
                    partition = f[1];
                    partitionState = f[2];
                    if (f[3] == "idle" && int.TryParse(f[4], out var n))
                    {
                        idle += n;
                    }
                    break;
                case "fs" when f.Length >= 2:
                    fs = f[1];
                    break;
                case "host" when f.Length >= 2:
                    host = f[1];
                    break;
                case "node" when f.Length >= 2:
                    nodes.Add(f[1]);
                    break;
                default:
                    if (f.Length == 2 && f[1] == "missing")
                    {
                        missing.Add(f[0]);
                    }
                    break;
            }
        }
        return new SlurmCheck(missing, partition, partitionState, idle, fs, host, nodes);
    }

    /// <summary>The lines `p worker ls --check` prints for this worker.</summary>
    public IEnumerable<string> Describe(string worker)
    {
        yield return Missing.Count == 0
            ? $"{worker}: slurm: srun, squeue, scancel and sinfo found"
            : $"{worker}: slurm: missing {string.Join(", ", Missing)}: install Slurm's client commands there";
        yield return Partition is null
            ? $"{worker}: slurm: no default partition (sinfo shows none marked *)"
            : $"{worker}: slurm: default partition {Partition} ({PartitionState}), {IdleNodes} idle node(s)";
        var others = Nodes.Where(n => n != Host).ToList();
        if (LocalFileSystems.Contains(FileSystem) && others.Count > 0)
        {
            yield return $"{worker}: warning: ~/.p/workdirs is on a local file system ({FileSystem}) of {Host}, but jobs may run on {string.Join(", ", others.Take(3))}"
                + $"{(others.Count > 3 ? ", ..." : "")}: the work dirs must be on a file system the compute nodes share (usually the home directory).";
        }
    }
}
