namespace P.Cli;

/// <summary>
/// Exit codes of p itself. A job's own exit code passes through unchanged, so,
/// as with ssh, a job can also exit with these numbers.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Error = 1;
    public const int Usage = 2;
    /// <summary>`p wait --timeout` gave up (as timeout(1) does).</summary>
    public const int Timeout = 124;
    /// <summary>The link to the worker broke while attached; the job runs on.</summary>
    public const int ConnectionLost = 253;
    public const int AgentFailure = 254;
    public const int Unreachable = 255;
}
