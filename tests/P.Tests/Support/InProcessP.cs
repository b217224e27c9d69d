using System.Text;
using P.Cli;
using P.Core;
using P.Store;
using P.Transport;

namespace P.Tests.Support;

/// <summary>
/// Runs the whole command line in-process against a private HOME, deleted on dispose.
/// The environment points XDG_CONFIG_HOME and XDG_DATA_HOME inside that HOME; tests may change it between runs.
/// </summary>
internal sealed class InProcessP : IDisposable
{
    private readonly TempDirectory home = new();

    public InProcessP()
    {
        Env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = Home,
            ["XDG_CONFIG_HOME"] = Path.Combine(Home, "config"),
            ["XDG_DATA_HOME"] = Path.Combine(Home, "data"),
        };
        Paths = new Paths(Home, Path.Combine(Home, "config", "p"), Path.Combine(Home, "data", "p"));
        Jobs = new JobStore(JobsDir);
    }

    /// <summary>What one run returned and printed.</summary>
    public sealed record Outcome(int ExitCode, string Out, string Err)
    {
        /// <summary>Stdout as bytes, exactly as written.</summary>
        public byte[] RawOut { get; init; } = [];

        /// <summary>Every line of stdout, blank ones included, without the final newline's empty tail.</summary>
        public string[] OutLines => Out.TrimEnd('\n').Split('\n');

        /// <summary>The non-empty lines of stdout.</summary>
        public string[] NonEmptyOutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        /// <summary>The non-empty lines of stderr.</summary>
        public string[] NonEmptyErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The private home directory, also the working directory of every run.</summary>
    public string Home => home.Path;

    /// <summary>The environment every run sees.</summary>
    public Dictionary<string, string> Env { get; }

    /// <summary>Where p keeps its files under <see cref="Home"/>, as the environment above resolves them.</summary>
    public Paths Paths { get; }

    public string ConfigFile => Paths.ConfigFile;

    public string JobsDir => Paths.JobsDir;

    /// <summary>The job store p reads and writes.</summary>
    public JobStore Jobs { get; }

    /// <summary>Reaches every worker in place of ssh; null: the real transports.</summary>
    public IWorkerTransport? Worker { get; set; }

    /// <summary>What p reads on its stdin.</summary>
    public byte[] Stdin { get; set; } = [];

    /// <summary>Where tests raise SIGINT, SIGTERM and SIGHUP.</summary>
    public SignalHub Signals { get; } = new();

    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Registers a worker named <paramref name="name"/> (connection: the same word).</summary>
    public void RegisterWorker(string name = "w1") =>
        new ConfigStore(ConfigFile).Save(new ConfigStore(ConfigFile).Load().Add(new Worker(name, Connection.Parse(name))));

    public void Dispose() => home.Dispose();

    /// <summary>Runs p with stdin, stdout and stderr not terminals.</summary>
    public Task<Outcome> RunAsync(params string[] args) => RunAsync(false, args);

    /// <summary>Runs p with stdin, stdout and stderr all terminals or all not.</summary>
    public async Task<Outcome> RunAsync(bool terminal, params string[] args)
    {
        // One stream each for p's text and a job's bytes, as on a real stdout.
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        using var output = new StreamWriter(stdout, new UTF8Encoding(false), leaveOpen: true) { AutoFlush = true };
        using var error = new StreamWriter(stderr, new UTF8Encoding(false), leaveOpen: true) { AutoFlush = true };
        var context = new PContext(output, error, Home, terminal, terminal, terminal, name => Env.GetValueOrDefault(name))
        {
            Stdin = new MemoryStream(Stdin),
            Stdout = stdout,
            Stderr = stderr,
            Signals = Signals,
            Clock = Clock,
            Transports = Worker is { } worker ? (_, _) => worker : null,
        };
        var code = await App.RunAsync(args, context);
        return new Outcome(code, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray())) { RawOut = stdout.ToArray() };
    }
}
