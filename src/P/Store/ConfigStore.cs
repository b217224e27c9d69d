using P.Cli;
using P.Core;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace P.Store;

/// <summary>
/// Reads and writes config.yaml. The YAML node model needs no reflection, so
/// it is safe under NativeAOT.
/// </summary>
internal sealed class ConfigStore(string path)
{
    public Config Load()
    {
        if (!File.Exists(path))
        {
            return Config.Empty;
        }
        try
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                yaml.Load(reader);
            }
            if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
            {
                return Config.Empty;
            }
            var workers = new List<Worker>();
            if (Child(root, "workers") is YamlSequenceNode list)
            {
                foreach (var item in list.Children.OfType<YamlMappingNode>())
                {
                    var name = Scalar(item, "name") ?? throw Invalid("a worker has no name");
                    var connection = Scalar(item, "connection") ?? throw Invalid($"worker '{name}' has no connection");
                    var incremental = Scalar(item, "incremental") switch
                    {
                        null or "false" => false,
                        "true" => true,
                        var other => throw Invalid($"worker '{name}': incremental must be true or false, not '{other}'"),
                    };
                    var slurm = Scalar(item, "scheduler") switch
                    {
                        null => null,
                        "slurm" => new SlurmSettings(Scalar(item, "srun_args") ?? ""),
                        var other => throw Invalid($"worker '{name}': scheduler must be slurm, not '{other}'"),
                    };
                    workers.Add(new Worker(Checked(name, WorkerName.Validate), Checked(connection, Connection.Parse), incremental, slurm));
                }
            }
            return new Config(workers, Scalar(root, "default_worker"));
        }
        catch (YamlException e)
        {
            throw Invalid($"line {e.Start.Line}: {e.Message}");
        }
    }

    /// <summary>
    /// Reads, changes and writes config.yaml under an exclusive lock, so that
    /// concurrent registrations all land. Returns the old and the new config.
    /// </summary>
    public (Config Before, Config After) Update(Func<Config, Config> change)
    {
        using var held = Lock();
        var before = Load();
        var after = change(before);
        Save(after);
        return (before, after);
    }

    // flock through FileShare.None; a holder is another p writing for a moment.
    private FileStream Lock()
    {
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return PrivateFiles.Open(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(LockRetry);
            }
            catch (IOException e)
            {
                throw new UserError($"cannot lock {path}.lock ({e.Message}): is another p stuck? Remove the file if none runs.");
            }
        }
    }

    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(10);

    public void Save(Config config)
    {
        var root = new YamlMappingNode();
        if (config.DefaultWorker is not null)
        {
            root.Add("default_worker", new YamlScalarNode(config.DefaultWorker));
        }
        var workers = new YamlSequenceNode();
        foreach (var worker in config.Workers)
        {
            var node = new YamlMappingNode
            {
                { "name", new YamlScalarNode(worker.Name) },
                { "connection", new YamlScalarNode(worker.Connection.Text) },
            };
            if (worker.Incremental)
            {
                node.Add("incremental", new YamlScalarNode("true"));
            }
            if (worker.Slurm is { } slurm)
            {
                node.Add("scheduler", new YamlScalarNode("slurm"));
                node.Add("srun_args", new YamlScalarNode(slurm.SrunArgs));
            }
            workers.Add(node);
        }
        root.Add("workers", workers);
        using var text = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(text, assignAnchors: false);
        AtomicFile.WriteAllText(path, text.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal));
    }

    // A hand-edited file gets the parser's complaint, and the file's name.
    private T Checked<T>(string value, Func<string, T> parse)
    {
        try
        {
            return parse(value);
        }
        catch (UserError e)
        {
            throw Invalid(e.Message.TrimEnd('.'));
        }
    }

    private UserError Invalid(string what) =>
        new($"cannot read {path}: {what}. Fix the file or re-register the worker.");

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode node, string key) =>
        Child(node, key) is YamlScalarNode { Value: { Length: > 0 } value } ? value : null;
}
