using P.Cli;
using P.Core;
using P.Transport;

namespace P.Agent;

/// <summary>A worker with the transport that reaches it and its agent's verbs.</summary>
internal sealed record WorkerLink(Worker Worker, IWorkerTransport Transport, AgentApi Agent)
{
    public static WorkerLink Open(Worker worker, Paths paths, PContext context)
    {
        var transport = context.OpenTransport(worker, paths);
        return new WorkerLink(worker, transport, new AgentApi(new AgentClient(transport, AgentScript.Embedded(), worker.Name)));
    }
}
