using System.CommandLine;
using P.Agent;
using P.Cli;
using P.Core;
using P.Store;
using P.Transport;

namespace P.Commands;

/// <summary>A job named on the command line, with everything needed to talk to its worker.</summary>
internal sealed record JobTarget(Job Job, Worker Worker, IWorkerTransport Transport, AgentApi Agent, JobStore Store, PContext Context)
{
    public static Argument<string> IdArgument() =>
        new("id") { Description = "Job id or a unique prefix (at least 4 hex digits)" };

    public static JobTarget Resolve(PContext context, string id)
    {
        var paths = Paths.From(context);
        var store = new JobStore(paths.JobsDir, context.Err);
        var job = JobLookup.Find(store, id);
        var worker = new ConfigStore(paths.ConfigFile).Load().Find(job.Worker)
            ?? throw new UserError($"job {job.ShortId} ran on worker '{job.Worker}', which is no longer registered: register it again, or `p rm {job.ShortId}`.");
        var link = WorkerLink.Open(worker, paths, context);
        return new JobTarget(job, worker, link.Transport, link.Agent, store, context);
    }

    public JobFinisher Finisher => new(Agent, Transport, Store, Context);
}
