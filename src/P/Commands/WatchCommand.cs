using P.Cli;
using P.Core;
using P.Store;
using P.Watch;

namespace P.Commands;

/// <summary>`p _watch &lt;worker&gt;`: the background watcher, started by p itself (see WatcherLauncher).</summary>
internal static class WatchCommand
{
    public const string Name = "_watch";

    public static Task<int> RunAsync(PContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (args.Count != 1)
        {
            throw new UserError("_watch is started by p itself and takes one worker name.", ExitCodes.Usage);
        }
        var paths = Paths.From(context);
        var worker = new ConfigStore(paths.ConfigFile).Load().Get(args[0]);
        return new Watcher(context, paths, worker).RunAsync(ct);
    }
}
