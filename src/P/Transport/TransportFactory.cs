using P.Cli;
using P.Core;

namespace P.Transport;

internal static class TransportFactory
{
    public static IWorkerTransport For(Worker worker, Paths paths, PContext context)
    {
        var runner = new ProcessRunner(context);
        return worker.Connection.IsLocal
            ? new LocalTransport(runner, paths.Home)
            : new SshTransport(worker.Connection, paths, runner, context, context.Self ?? "p");
    }
}
