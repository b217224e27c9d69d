using P.Cli;

namespace P.Core;

/// <summary>The registered workers and which one is the default.</summary>
internal sealed record Config(IReadOnlyList<Worker> Workers, string? DefaultWorker)
{
    public static readonly Config Empty = new([], null);

    public Worker? Find(string name) => Workers.FirstOrDefault(w => w.Name == name);

    public Worker Get(string name) => Find(name)
        ?? throw new UserError($"no worker named '{name}': see `p worker ls`, or register it with `p worker register <connection> -n {name}`.");

    public Worker Resolve(string? name)
    {
        if (name is not null)
        {
            return Get(name);
        }
        if (DefaultWorker is null || Find(DefaultWorker) is not { } worker)
        {
            throw new UserError(Workers.Count == 0
                ? "no worker registered: run `p worker register user@host` (or `p worker register local` to try p on this machine)."
                : "no default worker: run `p worker default <name>`.");
        }
        return worker;
    }

    public Config Add(Worker worker)
    {
        if (Find(worker.Name) is not null)
        {
            throw new UserError($"a worker named '{worker.Name}' is already registered: choose another name with -n, or `p worker rm {worker.Name}` first.");
        }
        return new Config([.. Workers, worker], DefaultWorker ?? worker.Name);
    }

    public Config Remove(string name)
    {
        var worker = Get(name);
        var rest = Workers.Where(w => w != worker).ToList();
        var newDefault = DefaultWorker == name ? rest.FirstOrDefault()?.Name : DefaultWorker;
        return new Config(rest, newDefault);
    }

    public Config WithDefault(string name) => this with { DefaultWorker = Get(name).Name };
}
