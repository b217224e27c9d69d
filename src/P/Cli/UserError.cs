namespace P.Cli;

/// <summary>
/// An expected failure: printed as one line ("p: ...") and mapped to an exit
/// code, never as a stack trace. The kinds a caller acts on are types of
/// their own, caught by type.
/// </summary>
internal class UserError(string message, int exitCode = ExitCodes.Error) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>ssh could not reach the worker: nothing was done there.</summary>
internal sealed class WorkerUnreachable(string message) : UserError(message, ExitCodes.Unreachable);

/// <summary>The agent answered ERR: it refused the call and changed nothing.</summary>
internal sealed class AgentRefused(string message) : UserError(message, ExitCodes.Error);

/// <summary>The agent gave no answer p understands (no frame: not a POSIX sh, or killed).</summary>
internal sealed class AgentBroken(string message) : UserError(message, ExitCodes.AgentFailure);
