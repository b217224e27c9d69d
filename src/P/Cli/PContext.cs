namespace P.Cli;

/// <summary>
/// What a command may know about the world it runs in. Commands take this
/// instead of reading Console or Environment, so tests can run them in-process.
/// </summary>
internal sealed record PContext(
    TextWriter Out,
    TextWriter Err,
    string Cwd,
    bool StdinIsTerminal,
    bool StdoutIsTerminal,
    bool StderrIsTerminal,
    Func<string, string?> GetEnv)
{
    public static PContext FromProcess() => new(
        Writer(StandardStreams.Output()),
        Writer(StandardStreams.Error()),
        Environment.CurrentDirectory,
        !Console.IsInputRedirected,
        !Console.IsOutputRedirected,
        !Console.IsErrorRedirected,
        Environment.GetEnvironmentVariable)
    {
        Self = Environment.ProcessPath,
    };

    /// <summary>
    /// The p executable, for the background processes p starts of itself
    /// (rsync's remote shell, the watcher). Null in-process (tests): none start.
    /// </summary>
    public string? Self { get; init; }

    public bool Interactive => StdinIsTerminal && StdoutIsTerminal;

    public bool Debug => GetEnv("P_DEBUG") is { Length: > 0 } v && v != "0";

    private static StreamWriter Writer(Stream stream) => new(stream, new System.Text.UTF8Encoding(false)) { AutoFlush = true };
}
