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

    private StreamingProcess(Process process)
    {
        this.process = process;
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

    public static StreamingProcess Start(TestWorld world, params string[] args) => StartIn(world, world.ClientHome, args);

    public static StreamingProcess StartIn(TestWorld world, string cwd, params string[] args)
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
        process.StandardInput.Close();
        _ = process.StandardError.ReadToEndAsync();
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
