namespace P.IntegrationTests.Infrastructure;

/// <summary>The result of one run of the <c>p</c> binary.</summary>
public sealed record PResult(int ExitCode, string Stdout, string Stderr)
    : ProcessResult(ExitCode, Stdout, Stderr)
{
    public override string ToString() => base.ToString();
}
