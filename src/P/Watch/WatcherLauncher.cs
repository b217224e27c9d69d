using P.Cli;
using P.Core;
using P.Processes;

namespace P.Watch;

/// <summary>
/// Starts `p _watch &lt;worker&gt;` in the background, detached from this
/// command and its terminal (own session, stdio on /dev/null), so it outlives
/// the command that started it and no Ctrl+C or hangup reaches it.
/// </summary>
internal static class WatcherLauncher
{
    private const string Detach =
        "if command -v setsid >/dev/null 2>&1; then setsid \"$0\" _watch \"$1\" </dev/null >/dev/null 2>&1 & " +
        "else \"$0\" _watch \"$1\" </dev/null >/dev/null 2>&1 & fi";

    public static void Start(PContext context, Paths paths, string worker)
    {
        var gate = new WatcherLock(paths, worker);
        // A watcher holding the lock reads the store again before it lets
        // go: it sees every record saved before this look.
        if (context.Self is null || gate.IsHeld())
        {
            return;
        }
        gate.Launched();
        var launch = LaunchAsync(context, worker);
        // The shell puts the watcher in its own session and leaves. From a
        // script p need not wait for that; at a terminal it must, or the
        // hangup of a terminal closing as p ends could reach the shell first.
        if (context.StdinIsTerminal || context.StdoutIsTerminal || context.StderrIsTerminal)
        {
            launch.GetAwaiter().GetResult();
        }
    }

    private static async Task LaunchAsync(PContext context, string worker)
    {
        try
        {
            await context.Processes.RunAsync(new ProcessSpec(["/bin/sh", "-c", Detach, context.Self!, worker]), CancellationToken.None);
        }
        catch (Cli.UserError)
        {
            // No /bin/sh: `p ls` shows `unknown` and tries again.
        }
    }
}
