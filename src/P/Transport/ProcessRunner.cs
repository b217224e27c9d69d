using System.Diagnostics;
using P.Cli;

namespace P.Transport;

/// <summary>
/// The one place where an argv becomes a process. Argv is always a list, never
/// a joined string; with P_DEBUG=1 every command line is echoed to stderr.
/// </summary>
internal sealed class ProcessRunner(PContext context)
{
    public ProcessStartInfo StartInfo(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string>? env = null, string? cwd = null)
    {
        var info = new ProcessStartInfo(argv[0]) { UseShellExecute = false };
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
        if (context.Debug)
        {
            context.Err.WriteLine("p: + " + ShellQuote.Join(argv));
        }
        return info;
    }

    public Process Start(ProcessStartInfo info)
    {
        try
        {
            return Process.Start(info) ?? throw new UserError($"could not start {info.FileName}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserError($"could not run {info.FileName}: {e.Message}. Is it installed and on PATH?");
        }
    }

    /// <summary>Runs a program on the user's terminal (stdio inherited) and returns its exit code.</summary>
    public async Task<int> RunInteractiveAsync(IReadOnlyList<string> argv, CancellationToken ct, string? cwd = null)
    {
        using var process = Start(StartInfo(argv, cwd: cwd));
        await process.WaitForExitAsync(ct);
        return process.ExitCode;
    }

    /// <summary>Runs a program with the given stdin; returns its exit code, stdout and stderr.</summary>
    public async Task<(int ExitCode, byte[] Stdout, string Stderr)> RunAsync(
        IReadOnlyList<string> argv, byte[]? stdin, CancellationToken ct, IReadOnlyDictionary<string, string>? env = null, string? cwd = null)
    {
        var info = StartInfo(argv, env, cwd);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Start(info);
        using var kill = ct.Register(() => process.Kill(entireProcessTree: true));
        var stdout = new MemoryStream();
        var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, ct);
        var readErr = process.StandardError.ReadToEndAsync(ct);
        await WriteAndCloseAsync(process.StandardInput.BaseStream, stdin, ct);
        await Task.WhenAll(readOut, readErr);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, stdout.ToArray(), await readErr);
    }

    public static async Task WriteAndCloseAsync(Stream stdin, byte[]? data, CancellationToken ct)
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
            // The program exited without reading its input; its exit code tells why.
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
