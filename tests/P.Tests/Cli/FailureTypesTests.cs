using P.Cli;

namespace P.Tests.Cli;

/// <summary>The failure kinds callers catch by type keep the exit codes scripts rely on.</summary>
public sealed class FailureTypesTests
{
    [Fact]
    public void Each_kind_is_a_user_error_with_its_exit_code()
    {
        UserError[] kinds = [new WorkerUnreachable("x"), new AgentRefused("x"), new AgentBroken("x")];

        Assert.Equal([ExitCodes.Unreachable, ExitCodes.Error, ExitCodes.AgentFailure], kinds.Select(k => k.ExitCode));
        Assert.All(kinds, k => Assert.Equal("x", k.Message));
    }
}
