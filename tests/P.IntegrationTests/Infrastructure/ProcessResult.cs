namespace P.IntegrationTests.Infrastructure;

/// <summary>What a finished child process left behind.</summary>
public record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Throws with the whole result in the message unless the exit code is 0.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"expected exit code 0.\n{this}");
        }
        return this;
    }

    // Printed by assertion failures, so it carries everything needed to diagnose them.
    public override string ToString() =>
        $"exit code {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
