using System.Diagnostics;
using System.Text;

namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// Runs a child process from an argv (no shell in between), with stdin fed or
/// closed, both outputs captured, and a deadline after which the whole process
/// tree is killed and the run fails with whatever it printed so far.
/// </summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    // A child's pipes reach end of file when every holder has closed them. If
    // they stay open after the child exited, something it started in the
    // background inherited them: a real bug, since `x=$(p ...)` would hang too.
    private static readonly TimeSpan LeakedPipeGrace = TimeSpan.FromSeconds(5);

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        string? stdin = null,
        TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var run = Running.Start(fileName, arguments, environment, workingDirectory, stdin);
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await run.Process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw run.KillAfterTimeout(limit);
        }
        var drained = Task.WhenAll(run.Stdout.Completion, run.Stderr.Completion);
        if (await Task.WhenAny(drained, Task.Delay(LeakedPipeGrace)) != drained)
        {
            throw run.LeakedPipes();
        }
        return run.Result();
    }

    /// <summary>Blocking twin of <see cref="RunAsync"/> for quick helper commands (tmux, ssh-keygen).</summary>
    public static ProcessResult Run(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        string? stdin = null,
        TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var run = Running.Start(fileName, arguments, environment, workingDirectory, stdin);
        if (!run.Process.WaitForExit(limit))
        {
            throw run.KillAfterTimeout(limit);
        }
        if (!Task.WhenAll(run.Stdout.Completion, run.Stderr.Completion).Wait(LeakedPipeGrace))
        {
            throw run.LeakedPipes();
        }
        return run.Result();
    }

    internal static string Describe(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { fileName }.Concat(arguments).Select(a =>
            a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=:@,+%".Contains(c)) ? a : PosixShell.Quote(a)));

    private sealed class Running : IDisposable
    {
        private readonly string _description;

        private Running(Process process, string description)
        {
            Process = process;
            _description = description;
            Stdout = new OutputCapture(process.StandardOutput);
            Stderr = new OutputCapture(process.StandardError);
        }

        public Process Process { get; }
        public OutputCapture Stdout { get; }
        public OutputCapture Stderr { get; }

        public static Running Start(
            string fileName,
            IEnumerable<string> arguments,
            IReadOnlyDictionary<string, string>? environment,
            string? workingDirectory,
            string? stdin)
        {
            var args = arguments.ToList();
            var info = new ProcessStartInfo(fileName)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardInputEncoding = Utf8,
                StandardOutputEncoding = Utf8,
                StandardErrorEncoding = Utf8,
                WorkingDirectory = workingDirectory ?? "",
            };
            args.ForEach(info.ArgumentList.Add);
            if (environment is not null)
            {
                info.Environment.Clear();
                foreach (var (key, value) in environment)
                {
                    info.Environment[key] = value;
                }
            }
            var process = Process.Start(info)
                ?? throw new InvalidOperationException($"could not start {fileName}");
            var run = new Running(process, Describe(fileName, args));
            // Fed from the pool: a child that never reads must not block us.
            _ = Task.Run(() => Feed(process.StandardInput, stdin));
            return run;
        }

        public ProcessResult Result() => new(Process.ExitCode, Stdout.Text, Stderr.Text);

        public TimeoutException KillAfterTimeout(TimeSpan limit)
        {
            KillTree();
            Task.WhenAll(Stdout.Completion, Stderr.Completion).Wait(TimeSpan.FromSeconds(1));
            return new TimeoutException(
                $"`{_description}` did not finish within {limit.TotalSeconds:0.###} s; its process tree was killed.\n"
                + $"--- stdout so far ---\n{Stdout.Text}\n--- stderr so far ---\n{Stderr.Text}");
        }

        public InvalidOperationException LeakedPipes() => new(
            $"`{_description}` exited with {Process.ExitCode}, but its stdout/stderr stayed open for "
            + $"{LeakedPipeGrace.TotalSeconds:0} s: a process it left running in the background holds them.\n"
            + $"--- stdout ---\n{Stdout.Text}\n--- stderr ---\n{Stderr.Text}");

        public void Dispose()
        {
            KillTree();
            Process.Dispose();
        }

        private void KillTree()
        {
            try
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(TimeSpan.FromSeconds(5));
            }
            catch (InvalidOperationException)
            {
                // Already exited and reaped.
            }
        }

        private static void Feed(StreamWriter input, string? text)
        {
            try
            {
                if (text is not null)
                {
                    input.Write(text);
                }
                input.Close();
            }
            catch (IOException)
            {
                // The child exited or closed stdin without reading it all.
            }
        }
    }
}
