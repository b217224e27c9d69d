using P.Core;
using P.Processes;
using P.Transport;

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
    public static PContext FromProcess()
    {
        var err = Writer(StandardStreams.Error());
        return new(
            Writer(StandardStreams.Output()),
            err,
            Environment.CurrentDirectory,
            !Console.IsInputRedirected,
            !Console.IsOutputRedirected,
            !Console.IsErrorRedirected,
            Environment.GetEnvironmentVariable)
        {
            Self = Environment.ProcessPath,
            Stdin = StandardStreams.Input(),
            Stdout = StandardStreams.Output(),
            Stderr = StandardStreams.Error(),
            Processes = new SystemProcesses(err, Environment.GetEnvironmentVariable("P_DEBUG") is { Length: > 0 } v && v != "0"),
        };
    }

    /// <summary>
    /// The p executable, for the background processes p starts of itself
    /// (rsync's remote shell, the watcher). Null in-process (tests): none start.
    /// </summary>
    public string? Self { get; init; }

    /// <summary>p's stdin as bytes, forwarded to a streamed job.</summary>
    public Stream Stdin { get; init; } = Stream.Null;

    /// <summary>p's stdout as bytes: a streamed job's output, byte for byte (<see cref="Out"/> is for p's text).</summary>
    public Stream Stdout { get; init; } = Stream.Null;

    /// <summary>p's stderr as bytes: a streamed job's stderr.</summary>
    public Stream Stderr { get; init; } = Stream.Null;

    /// <summary>Every child process starts here.</summary>
    public IProcessLauncher Processes { get; init; } = new SystemProcesses(TextWriter.Null, debug: false);

    /// <summary>How a worker is reached; tests put a fake worker here.</summary>
    public Func<Worker, Paths, IWorkerTransport>? Transports { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>SIGINT, SIGTERM and SIGHUP, for a command that passes them on.</summary>
    public SignalHub Signals { get; init; } = new();

    public bool Interactive => StdinIsTerminal && StdoutIsTerminal;

    public bool Debug => GetEnv("P_DEBUG") is { Length: > 0 } v && v != "0";

    public IWorkerTransport OpenTransport(Worker worker, Paths paths) =>
        Transports?.Invoke(worker, paths) ?? TransportFactory.For(worker, paths, this);

    private static StreamWriter Writer(Stream stream) => new(stream, new System.Text.UTF8Encoding(false)) { AutoFlush = true };
}
