using System.Runtime.InteropServices;
using P.Agent;
using P.Core;

namespace P.Commands;

/// <summary>
/// Passes the signals a streaming p gets on to its job's process group, as
/// ssh does with a terminal. A second one within <see cref="Window"/> means
/// "let me go": p stops following and leaves the job running.
/// </summary>
internal sealed class SignalRelay(AgentApi agent, Job job, TimeProvider clock, CancellationTokenSource leave)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(10);

    private readonly Lock gate = new();
    private DateTimeOffset? last;

    // Handlers of signals that arrive together may run at once, on two threads.
    public void Deliver(PosixSignal signal)
    {
        lock (gate)
        {
            var now = clock.GetUtcNow();
            if (last is { } previous && now - previous < Window)
            {
                leave.Cancel();
                return;
            }
            last = now;
        }
        _ = PassOnAsync(signal switch
        {
            PosixSignal.SIGTERM => "TERM",
            PosixSignal.SIGHUP => "HUP",
            _ => "INT",
        });
    }

    private async Task PassOnAsync(string name)
    {
        using var limit = new CancellationTokenSource(CallLimit);
        try
        {
            await agent.SignalAsync(job.Id, name, limit.Token);
        }
        catch (Exception e) when (e is Cli.UserError or OperationCanceledException)
        {
            // The stream tells what became of the job; a second signal lets go.
        }
    }
}
