using P.Agent;

namespace P.Tests.Agent;

public sealed class AgentJobStateTests
{
    private static readonly Guid A = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private static readonly Guid B = Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");

    [Fact]
    public void A_running_job_has_no_exit_code_and_no_end()
    {
        var state = Assert.Single(AgentJobState.ParseAll($"{A} running - - open 1699999999\n"));

        Assert.Equal(new AgentJobState(A, WorkerState.Running, null, null, true, DateTimeOffset.FromUnixTimeSeconds(1699999999)), state);
        Assert.False(state.Finished);
    }

    [Fact]
    public void A_finished_job_has_its_exit_code_and_end_time()
    {
        var state = Assert.Single(AgentJobState.ParseAll($"{A} done 3 1700000000 closed 1699999999\n"));

        Assert.Equal(new AgentJobState(A, WorkerState.Done, 3, DateTimeOffset.FromUnixTimeSeconds(1700000000), false, DateTimeOffset.FromUnixTimeSeconds(1699999999)), state);
        Assert.Equal(TimeSpan.FromSeconds(1), state.RunTime);
        Assert.True(state.Finished);
    }

    [Fact]
    public void One_line_per_job_in_order()
    {
        var states = AgentJobState.ParseAll($"{A} stopped 143 1700000001 open 1699999999\n{B} gone - - closed -\n");

        Assert.Equal([A, B], states.Select(s => s.Id));
        Assert.Equal([WorkerState.Stopped, WorkerState.Gone], states.Select(s => s.State));
        Assert.Equal([P.Core.JobStatus.Stopped, P.Core.JobStatus.Lost], states.Select(s => s.Status));
        Assert.Equal([143, null], states.Select(s => s.ExitCode));
        Assert.True(states[0].Finished);
        Assert.True(states[0].SessionOpen);
        Assert.False(states[1].Finished);
        Assert.False(states[1].SessionOpen);
    }

    [Fact]
    public void An_empty_payload_is_no_jobs()
    {
        Assert.Empty(AgentJobState.ParseAll(""));
    }

    [Theory]
    [InlineData("not-a-uuid running - - open")]
    [InlineData("11111111-2222-3333-4444-555555555555 running - -")]
    [InlineData("11111111-2222-3333-4444-555555555555 running - - open 1 extra")]
    [InlineData("11111111-2222-3333-4444-555555555555 running - - open")]
    [InlineData("P-AGENT/1 ERR bad job id")]
    [InlineData("11111111-2222-3333-4444-555555555555 Running - - open 1")]
    [InlineData("11111111-2222-3333-4444-555555555555 3 - - open 1")]
    [InlineData("11111111-2222-3333-4444-555555555555 exploded - - open 1")]
    public void A_line_of_another_shape_is_a_format_error(string line)
    {
        Assert.Throws<FormatException>(() => AgentJobState.ParseAll(line + "\n"));
    }

    [Fact]
    public void A_running_slurm_job_carries_squeues_id_state_and_reason()
    {
        var pending = Assert.Single(AgentJobState.ParseAll($"{A} running - - open 1699999999 slurm=4242,PENDING,ReqNodeNotAvail,_Reserved\n"));
        var unlisted = Assert.Single(AgentJobState.ParseAll($"{A} running - - open 1699999999 slurm=-\n"));

        Assert.Equal(new SlurmJob("4242", "PENDING", "ReqNodeNotAvail, Reserved"), pending.Slurm);
        Assert.True(pending.Slurm!.Pending);
        Assert.Null(unlisted.Slurm);
        Assert.Throws<FormatException>(() => AgentJobState.ParseAll($"{A} running - - open 1699999999 extra\n"));
    }
}
