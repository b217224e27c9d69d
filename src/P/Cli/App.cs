using System.CommandLine;
using System.Runtime.InteropServices;
using P.Commands;

namespace P.Cli;

/// <summary>Builds the command tree and maps every failure to one line and an exit code.</summary>
internal static class App
{
    public const int Interrupted = 130;

    private const string Description = """
        p: push a job to a worker over SSH.
        Syncs the current directory, runs the command in tmux there and attaches.

        Examples:
          p worker register alice@build1     register a worker (the first is the default)
          p -- make -j8                      run on the default worker, attached
          p beefy -- 'make && make test'     one word is a shell command line
          p -d -- ./bench.sh                 start without attaching
          p -n -- htop                       run without syncing
        Ctrl+B D detaches; the job keeps running.
        """;

    public static async Task<int> RunAsync(string[] args, PContext context)
    {
        using var cancel = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal =>
        {
            signal.Cancel = true;
            if (!context.Signals.Raise(signal.Signal))
            {
                cancel.Cancel();
            }
        });
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => signal.Cancel = context.Signals.Raise(signal.Signal));
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal => signal.Cancel = context.Signals.Raise(signal.Signal));
        try
        {
            if (args is [RshCommand.Name, .. var rsh])
            {
                return await RshCommand.RunAsync(context, rsh, cancel.Token);
            }
            if (args is [WatchCommand.Name, .. var watch])
            {
                return await WatchCommand.RunAsync(context, watch, cancel.Token);
            }
            var split = Array.IndexOf(args, "--");
            var head = split < 0 ? args : args[..split];
            var command = split < 0 ? null : args[(split + 1)..];

            var parse = Build(context, command).Parse(head);
            if (parse.Errors.Count > 0 && parse.Action is not ShortListingHelp)
            {
                context.Err.WriteLine($"p: {parse.Errors[0].Message} See `p --help`.");
                return ExitCodes.Usage;
            }
            var invocation = new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Err,
                EnableDefaultExceptionHandler = false,
            };
            return await parse.InvokeAsync(invocation, cancel.Token);
        }
        catch (UserError e)
        {
            context.Err.WriteLine($"p: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            context.Err.WriteLine("p: interrupted.");
            return Interrupted;
        }
        catch (Exception e) when (!context.Debug)
        {
            context.Err.WriteLine($"p: internal error: {e.Message} (run with P_DEBUG=1 for details)");
            return ExitCodes.Error;
        }
    }

    private static RootCommand Build(PContext context, IReadOnlyList<string>? command)
    {
        var root = new RootCommand(Description);
        ShortListingHelp.Install(root);
        RunCommand.Configure(root, context, command);
        root.Subcommands.Add(WorkerCommand.Create(context));
        root.Subcommands.Add(LsCommand.Create(context));
        root.Subcommands.Add(AttachCommand.Create(context));
        root.Subcommands.Add(LogsCommand.Create(context));
        root.Subcommands.Add(StopCommand.Create(context));
        root.Subcommands.Add(PullCommand.Create(context));
        root.Subcommands.Add(RmCommand.Create(context));
        root.Subcommands.Add(WaitCommand.Create(context));
        root.Subcommands.Add(CompletionCommand.Create(context));
        root.Subcommands.Add(CompleteCommand.Create(context));
        return root;
    }
}
