namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// Runs the real p binary as a user would: a separate process with its own
/// environment, argv without a shell, stdin at end of file, and a deadline.
/// </summary>
public static class PCli
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly Lazy<string> Binary = new(LocateBinary);
    private static readonly Lazy<string> Root = new(FindRepoRoot);

    /// <summary>$P_BIN, or the p that building this test project built next to its sources.</summary>
    public static string BinaryPath => Binary.Value;

    /// <summary>The directory holding p.slnx.</summary>
    public static string RepoRoot => Root.Value;

    public static async Task<PResult> RunAsync(
        IReadOnlyDictionary<string, string> environment,
        string cwd,
        IEnumerable<string> args,
        TimeSpan? timeout = null,
        string? stdin = null,
        string? binary = null)
    {
        var result = await ProcessRunner.RunAsync(
            binary ?? BinaryPath, args, environment, cwd, stdin, timeout ?? DefaultTimeout);
        return new PResult(result.ExitCode, result.Stdout, result.Stderr);
    }

    private static string LocateBinary()
    {
        if (Environment.GetEnvironmentVariable("P_BIN") is { Length: > 0 } fromEnvironment)
        {
            return File.Exists(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new InvalidOperationException($"P_BIN is {fromEnvironment}, which does not exist");
        }
        var candidates = new[] { Configuration, "Debug" }
            .Distinct()
            .Select(c => Path.Combine(RepoRoot, "src", "P", "bin", c, "net10.0", "p"))
            .ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"the p binary is missing (looked for {string.Join(", ", candidates)}): build src/P first "
                + "(dotnet build src/P), or set P_BIN to the binary to test");
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "p.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no p.slnx in {AppContext.BaseDirectory} or any parent directory");
    }
}
