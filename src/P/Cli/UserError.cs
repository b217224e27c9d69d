namespace P.Cli;

/// <summary>
/// An expected failure: printed as one line ("p: ...") and mapped to an exit
/// code, never as a stack trace.
/// </summary>
internal sealed class UserError(string message, int exitCode = ExitCodes.Error) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
