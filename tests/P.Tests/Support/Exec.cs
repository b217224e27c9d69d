using System.Diagnostics;

namespace P.Tests.Support;

/// <summary>What a finished child process printed and returned.</summary>
internal sealed record ExecResult(int ExitCode, byte[] Stdout, string Stderr);

/// <summary>Runs real programs (shells, cksum) with an argv list, feeding stdin while reading stdout.</summary>
internal static class Exec
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The full path of a program on PATH, or null when it is not installed.</summary>
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    public static async Task<ExecResult> RunAsync(
        IReadOnlyList<string> argv,
        byte[]? stdin = null,
        string? cwd = null,
        IReadOnlyDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var word in argv.Skip(1))
        {
            info.ArgumentList.Add(word);
        }
        if (cwd is not null)
        {
            info.WorkingDirectory = cwd;
        }
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        using var cancel = new CancellationTokenSource(Timeout);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {argv[0]}");
        try
        {
            var stdout = new MemoryStream();
            var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancel.Token);
            var readErr = process.StandardError.ReadToEndAsync(cancel.Token);
            var write = WriteAsync(process.StandardInput.BaseStream, stdin, cancel.Token);
            await Task.WhenAll(readOut, readErr, write);
            await process.WaitForExitAsync(cancel.Token);
            return new ExecResult(process.ExitCode, stdout.ToArray(), await readErr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', argv)} did not finish within {Timeout}");
        }
    }

    private static async Task WriteAsync(Stream stdin, byte[]? data, CancellationToken ct)
    {
        try
        {
            if (data is not null)
            {
                await stdin.WriteAsync(data, ct);
            }
            await stdin.FlushAsync(ct);
        }
        catch (IOException)
        {
            // The program exited without reading all of its input; the test sees its output.
        }
        finally
        {
            try
            {
                stdin.Close();
            }
            catch (IOException)
            {
            }
        }
    }
}
