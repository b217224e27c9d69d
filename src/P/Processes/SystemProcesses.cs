using System.Diagnostics;
using System.Runtime.InteropServices;
using P.Cli;
using P.Transport;

namespace P.Processes;

/// <summary>
/// Real child processes. With P_DEBUG=1 every command line is echoed to stderr.
/// </summary>
internal sealed partial class SystemProcesses(TextWriter log, bool debug) : IProcessLauncher
{
    private const int SigTerm = 15;
    private const int OpenReadOnlyNoControllingTerminal = 0x100; // O_RDONLY | O_NOCTTY
    private static readonly string[] SetsidPaths = ["/usr/bin/setsid", "/bin/setsid"];

    // Only a terminal sends Ctrl+C to a whole process group: without one
    // (scripts, CI) a session of its own would cost an exec for nothing.
    private readonly Lazy<bool> hasControllingTerminal = new(() =>
    {
        var fd = Open("/dev/tty", OpenReadOnlyNoControllingTerminal);
        if (fd < 0)
        {
            return false;
        }
        _ = Close(fd);
        return true;
    });

    public async Task<int> RunAsync(ProcessSpec spec, CancellationToken ct)
    {
        using var process = Start(spec);
        using var stop = ct.Register(() => _ = TerminateAsync(process, spec.Grace));
        if (spec.Terminal)
        {
            await process.WaitForExitAsync(CancellationToken.None);
            ct.ThrowIfCancellationRequested();
            return process.ExitCode;
        }
        // Not awaited: a writer pumping p's own stdin may be blocked in a read
        // that only the user can end; the child's exit ends this call.
        _ = WriteStdinAsync(process.StandardInput.BaseStream, spec.Stdin, ct);
        var drained = Task.WhenAll(
            CopyAsync(process.StandardOutput.BaseStream, spec.Stdout),
            CopyAsync(process.StandardError.BaseStream, spec.Stderr));
        try
        {
            await drained.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            // The child is being stopped; what it left behind (its own
            // children) may hold its stdout open: stop waiting for that.
        }
        await process.WaitForExitAsync(CancellationToken.None);
        ct.ThrowIfCancellationRequested();
        return process.ExitCode;
    }

    private Process Start(ProcessSpec spec)
    {
        IReadOnlyList<string> argv = spec.OwnSession && hasControllingTerminal.Value && SetsidPaths.FirstOrDefault(File.Exists) is { } setsid
            ? [setsid, .. spec.Argv]
            : spec.Argv;
        var info = new ProcessStartInfo(argv[0]) { UseShellExecute = false };
        foreach (var word in argv.Skip(1))
        {
            info.ArgumentList.Add(word);
        }
        if (spec.WorkingDirectory is not null)
        {
            info.WorkingDirectory = spec.WorkingDirectory;
        }
        foreach (var (key, value) in spec.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = !spec.Terminal;
        if (debug)
        {
            log.WriteLine("p: + " + ShellQuote.Join(argv));
        }
        try
        {
            return Process.Start(info) ?? throw new UserError($"could not start {info.FileName}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserError($"could not run {info.FileName}: {e.Message}. Is it installed and on PATH?");
        }
    }

    private static async Task TerminateAsync(Process process, TimeSpan grace)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }
            _ = Kill(process.Id, SigTerm);
            using var limit = new CancellationTokenSource(grace);
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // Only the child itself: its children may be a shared ssh master.
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    private static async Task WriteStdinAsync(Stream stdin, Func<Stream, CancellationToken, Task>? writer, CancellationToken ct)
    {
        try
        {
            if (writer is not null)
            {
                await writer(stdin, ct);
            }
            await stdin.FlushAsync(ct);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The child exited without reading all of it; its exit code tells why.
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

    // A sink that fails (p's stdout closed by `| head`) stops receiving, but
    // the child's output is still drained so that the child never blocks.
    private static async Task CopyAsync(Stream from, Stream? to)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            try
            {
                if (to is not null)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read));
                    await to.FlushAsync();
                }
            }
            catch (IOException)
            {
                to = null;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
