using System.Diagnostics;
using System.Text;
using P.IntegrationTests.Infrastructure;

namespace P.IntegrationTests.RunFlow;

/// <summary>A p process whose stdout is read while it runs, to see output before the job ends.</summary>
internal sealed class StreamingProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly Task reader;
    private readonly Task<string> errors;

    private StreamingProcess(Process process)
    {
        this.process = process;
        errors = process.StandardError.ReadToEndAsync();
        reader = Task.Run(async () =>
        {
            var buffer = new char[1024];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (output)
                {
                    output.Append(buffer, 0, read);
                }
            }
        });
    }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>All of p's stderr, once it has exited (after <see cref="WaitForExit"/>).</summary>
    public Task<string> Errors => errors;

    public static StreamingProcess Start(TestWorld world, params string[] args) => StartIn(world, world.ClientHome, args);

    public static StreamingProcess StartIn(TestWorld world, string cwd, params string[] args) => StartIn(world, cwd, closeStdin: true, args);

    /// <summary>
    /// With <paramref name="closeStdin"/> false, p's stdin stays an open pipe
    /// nobody writes to, as under a CI runner that never closes it.
    /// </summary>
    public static StreamingProcess StartIn(TestWorld world, string cwd, bool closeStdin, params string[] args)
    {
        var info = new ProcessStartInfo(world.PBinary ?? PCli.BinaryPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = cwd,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Clear();
        foreach (var (key, value) in world.Environment)
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info)!;
        if (closeStdin)
        {
            process.StandardInput.Close();
        }
        return new StreamingProcess(process);
    }

    public Task WaitForOutput(string text) => E2e.WaitFor(() => Output.Contains(text, StringComparison.Ordinal), $"'{text}' on p's stdout");

    public async Task<int> WaitForExit()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        await reader;
        return process.ExitCode;
    }

    /// <summary>SIGKILL to p alone, as when it is killed from outside: its children live on.</summary>
    public void Kill() => process.Kill(entireProcessTree: false);

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        process.Dispose();
    }
}
