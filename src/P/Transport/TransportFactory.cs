using P.Cli;
using P.Core;

namespace P.Transport;

internal static class TransportFactory
{
    public static IWorkerTransport For(Worker worker, Paths paths, PContext context) =>
        worker.Connection.IsLocal
            ? new LocalTransport(context.Processes, paths.Home)
            : new SshTransport(worker.Connection, paths, context.Processes, context, context.Self ?? "p");
}
