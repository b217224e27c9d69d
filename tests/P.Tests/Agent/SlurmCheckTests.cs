using P.Agent;

namespace P.Tests.Agent;

public sealed class SlurmCheckTests
{
    [Fact]
    public void A_submit_host_with_everything_and_a_shared_home_gets_no_warning()
    {
        var check = SlurmCheck.Parse("srun ok\nsqueue ok\nscancel ok\nsinfo ok\npartition debug up idle 2\npartition debug up mixed 1\nfs nfs\nhost login1\nnode n1\nnode n2\n");

        Assert.Equal(["w: slurm: srun, squeue, scancel and sinfo found", "w: slurm: default partition debug (up), 2 idle node(s)"], check.Describe("w"));
    }

    [Fact]
    public void Missing_tools_and_work_dirs_on_a_local_disk_with_other_nodes_are_named()
    {
        var check = SlurmCheck.Parse("srun missing\nsqueue ok\nscancel missing\nsinfo ok\nfs ext2/ext3\nhost login1\nnode login1\nnode n7\n");

        var lines = check.Describe("w").ToList();

        Assert.Equal("w: slurm: missing srun, scancel: install Slurm's client commands there", lines[0]);
        Assert.Equal("w: slurm: no default partition (sinfo shows none marked *)", lines[1]);
        Assert.StartsWith("w: warning: ~/.p/workdirs is on a local file system (ext2/ext3) of login1, but jobs may run on n7:", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void A_one_node_cluster_on_the_submit_host_needs_no_shared_file_system() =>
        Assert.Equal(2, SlurmCheck.Parse("fs ext2/ext3\nhost h\nnode h\npartition debug up idle 1\n").Describe("w").Count());
}
