using P.Agent;
using P.Cli;
using P.Transport;

namespace P.Sync;

/// <summary>
/// Brings a job's work dir to the client directory's content. Inside a git
/// work tree the worker keeps a mirror of the directory, and the client the
/// manifest it last sent there: the start call itself carries what changed
/// (nothing, for an unchanged tree), and the agent copies the mirror into
/// the work dir. A first sync, a large change, a tree with special files and
/// a mirror that is not what the client remembers go through rsync.
/// </summary>
internal sealed class Syncer(PContext context, ManifestStore manifests)
{
    /// <summary>What to send for a job from <paramref name="source"/> on <paramref name="worker"/>.</summary>
    public async Task<SyncPlan> PlanAsync(string source, string worker, bool incremental, CancellationToken ct)
    {
        var listed = await new GitFileList(context.Processes, context.GetEnv).ListAsync(source, ct);
        var key = AgentApi.SourceKey(source);
        var manifest = listed is null ? null : Manifest.Build(source, listed);
        // The manifest has stat'ed every listed path already.
        var files = listed is null ? null : Existing(listed, manifest is null
            ? path => FileStat.Of(Path.Combine(source, path)) is not null
            : path => manifest.Entries.ContainsKey(path.TrimEnd('/')));
        var plan = new SyncPlan(source, worker, key, files, manifest, incremental);
        if (manifest is null || manifests.LoadBytes(worker, key) is not { } saved)
        {
            return plan;
        }
        // The common case, an unchanged tree, costs no parse and no save.
        if (saved.AsSpan().SequenceEqual(manifest.Bytes))
        {
            return plan with { Inline = new SyncRequest(plan.Spec(manifest.Hash, null), []), Unchanged = true };
        }
        if (Manifest.Parse(saved) is not { } last || MirrorDelta.Between(last, manifest, source) is not { } delta)
        {
            return plan;
        }
        return plan with { Inline = new SyncRequest(plan.Spec(last.Hash, delta), [.. delta.Deletions, .. delta.Archive]) };
    }

    /// <summary>
    /// rsyncs the whole directory into the job's work dir (the mirror, or the
    /// previous job's dir, as its basis); returns what the start call must
    /// then say so that the agent makes it the new mirror.
    /// </summary>
    public async Task<SyncRequest?> RsyncAsync(SyncPlan plan, AgentApi agent, IWorkerTransport transport, Guid job, CancellationToken ct)
    {
        var basis = await agent.PrepareAsync(job, plan.Source, ct);
        var target = transport.RsyncPath($".p/workdirs/{job:D}/");
        var arguments = new List<string>();
        if (basis is not null)
        {
            // A relative --copy-dest is resolved against the destination. -I:
            // a file edited in place keeping its size and mtime must not be
            // taken from the basis as unchanged.
            arguments.AddRange([$"--copy-dest=../{basis}", "--ignore-times"]);
        }
        arguments.AddRange(plan.Files is null
            ? ["--filter=:- .gitignore"]
            : ["-r", "--from0", "--files-from=-", "--ignore-missing-args"]);
        arguments.AddRange(["./", target.Location]);
        try
        {
            await new Rsync(context).RunAsync(target, arguments, plan.Source, plan.Files, "sync", ct);
        }
        catch (UserError e)
        {
            throw new UserError(e.Message + ". Use -n to run without syncing.");
        }
        return plan.Manifest is null ? null : new SyncRequest(plan.Spec("-", null), []);
    }

    // git lists what its index holds even when it is gone from the tree, and
    // rsync's --ignore-missing-args skips only ENOENT: a file under a path
    // whose directory became a file (ENOTDIR) would fail the whole sync.
    private static byte[] Existing(byte[] listed, Func<string, bool> exists)
    {
        var kept = System.Text.Encoding.UTF8.GetString(listed).Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(exists);
        return System.Text.Encoding.UTF8.GetBytes(string.Concat(kept.Select(path => path + "\0")));
    }

    /// <summary>The worker took the sync: its mirror now holds the plan's manifest.</summary>
    public void Remember(SyncPlan plan)
    {
        if (plan.Manifest is not null && !plan.Unchanged)
        {
            manifests.Save(plan.Worker, plan.Key, plan.Manifest);
        }
    }
}

/// <summary>The `start -s` argument and the bytes that follow the environment on the call's stdin.</summary>
internal sealed record SyncRequest(string Spec, byte[] Payload);

/// <summary>One directory's sync to one worker: git's file list and its manifest (null outside git), and the inline request if one fits.</summary>
internal sealed record SyncPlan(string Source, string Worker, string Key, byte[]? Files, Manifest? Manifest, bool Incremental)
{
    public SyncRequest? Inline { get; init; }

    /// <summary>The worker's mirror already holds this manifest: nothing to remember.</summary>
    public bool Unchanged { get; init; }

    /// <summary>KEY:FROM:TO:DELS:TARS:HOW, as the agent's start -s reads it.</summary>
    public string Spec(string from, MirrorDelta? delta) =>
        string.Join(':', Key, from, Manifest!.Hash, delta?.Deletions.Length ?? 0, delta?.Archive.Length ?? 0, Incremental ? "inc" : "copy");
}
