using P.Cli;

namespace P.Core;

/// <summary>Where the client keeps its files (XDG base directories honoured).</summary>
internal sealed record Paths(string Home, string ConfigDir, string DataDir)
{
    public string ConfigFile => Path.Combine(ConfigDir, "config.yaml");
    public string JobsDir => Path.Combine(DataDir, "jobs");

    /// <summary>The manifests each worker's mirror of each client directory was last brought to.</summary>
    public string SyncDir => Path.Combine(DataDir, "sync");

    /// <summary>Locks and heartbeats of the background watchers, one per worker.</summary>
    public string WatchDir => Path.Combine(DataDir, "watch");

    /// <summary>
    /// ssh's ControlPath is limited to about 90 bytes after expansion, so the
    /// sockets live in a short path under the home directory, not in TMPDIR.
    /// </summary>
    public string ControlDir => Path.Combine(Home, ".p", "cm");

    public static Paths From(PContext context)
    {
        var home = context.GetEnv("HOME") is { Length: > 0 } h
            ? h
            : throw new UserError("HOME is not set: set it to your home directory.");
        var config = context.GetEnv("XDG_CONFIG_HOME") is { Length: > 0 } c && Path.IsPathRooted(c)
            ? c
            : Path.Combine(home, ".config");
        var data = context.GetEnv("XDG_DATA_HOME") is { Length: > 0 } d && Path.IsPathRooted(d)
            ? d
            : Path.Combine(home, ".local", "share");
        return new Paths(home, Path.Combine(config, "p"), Path.Combine(data, "p"));
    }
}
