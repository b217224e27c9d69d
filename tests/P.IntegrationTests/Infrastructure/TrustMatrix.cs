namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// The trust matrix `./test.sh` prints at its end: one row per bad input
/// tried or fault injected, and what survived it. A test records its row as
/// its last statement, after its assertions passed, so the table only ever
/// shows what was proven in this run. Rows go to the file named by
/// P_TRUST_MATRIX (one append per row; nothing when it is unset).
/// <code>TrustMatrix.Record(Kind.Fault, "tmux server killed, pid reused", job: "stranger alive", record: "lost", exitCode: "-");</code>
/// </summary>
internal static class TrustMatrix
{
    public enum Kind
    {
        Fault,
        BadInput,
    }

    private static readonly Lock Appending = new();

    public static void Record(Kind kind, string what, string job, string record, string exitCode)
    {
        if (Environment.GetEnvironmentVariable("P_TRUST_MATRIX") is not { Length: > 0 } file)
        {
            return;
        }
        var row = string.Join('\t', kind == Kind.Fault ? "fault" : "bad input", what, job, record, exitCode) + "\n";
        lock (Appending)
        {
            File.AppendAllText(file, row);
        }
    }
}
