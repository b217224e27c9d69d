using P.Cli;
using P.Core;
using P.Store;
using P.Tests.Support;

namespace P.Tests.Store;

public sealed class ConfigStoreTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private string ConfigFile => dir.Combine("p", "config.yaml");

    private static Worker W(string name, string connection) => new(name, Connection.Parse(connection));

    [Fact]
    public void A_saved_config_loads_back_the_same()
    {
        var store = new ConfigStore(ConfigFile);
        var config = Config.Empty
            .Add(W("build1", "alice@build1"))
            .Add(W("beefy", "bob@[::1]:2222"))
            .Add(W("local", "local"))
            .WithDefault("beefy");

        store.Save(config);
        var loaded = store.Load();

        Assert.Equal("beefy", loaded.DefaultWorker);
        Assert.Equal(config.Workers, loaded.Workers);
    }

    [Fact]
    public void The_file_has_default_worker_and_a_workers_list()
    {
        var store = new ConfigStore(ConfigFile);

        store.Save(Config.Empty.Add(W("build1", "alice@build1:2222")));
        var text = File.ReadAllText(ConfigFile);

        Assert.Contains("default_worker: build1\n", text, StringComparison.Ordinal);
        Assert.Contains("workers:\n", text, StringComparison.Ordinal);
        Assert.Contains("- name: build1\n", text, StringComparison.Ordinal);
        Assert.Contains("  connection: alice@build1:2222\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("...", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hand_written_config_in_the_documented_shape_loads()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        File.WriteAllText(ConfigFile, """
            # my workers
            default_worker: beefy
            workers:
              - name: build1
                connection: alice@build1
              - name: beefy
                connection: "bob@10.0.0.5:2222"
            """);

        var config = new ConfigStore(ConfigFile).Load();

        Assert.Equal("beefy", config.DefaultWorker);
        Assert.Equal([W("build1", "alice@build1"), W("beefy", "bob@10.0.0.5:2222")], config.Workers);
        Assert.Equal(2222, config.Resolve(null).Connection.Port);
    }

    [Fact]
    public void A_missing_file_is_an_empty_config()
    {
        var config = new ConfigStore(dir.Combine("nowhere", "config.yaml")).Load();

        Assert.Empty(config.Workers);
        Assert.Null(config.DefaultWorker);
    }

    [Fact]
    public void An_empty_file_is_an_empty_config()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        File.WriteAllText(ConfigFile, "");

        var config = new ConfigStore(ConfigFile).Load();

        Assert.Empty(config.Workers);
        Assert.Null(config.DefaultWorker);
    }

    [Theory]
    [InlineData("workers: [\n")]
    [InlineData("default_worker: \"unterminated\n")]
    [InlineData("workers:\n  - name: a\n    connection: local\n  bad indent: [\n")]
    [InlineData("a: b: c\n")]
    [InlineData("{ default_worker: x\n")]
    [InlineData("default_worker: a\ndefault_worker: b\n")]
    [InlineData("workers:\n  - name: a\n    name: b\n    connection: local\n")]
    public void Malformed_yaml_is_a_one_line_user_error_naming_the_file(string yaml)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        File.WriteAllText(ConfigFile, yaml);

        var e = Assert.Throws<UserError>(() => new ConfigStore(ConfigFile).Load());

        Assert.Contains(ConfigFile, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
    }

    [Fact]
    public void A_worker_without_a_connection_is_a_user_error()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        File.WriteAllText(ConfigFile, "workers:\n  - name: build1\n");

        var e = Assert.Throws<UserError>(() => new ConfigStore(ConfigFile).Load());

        Assert.Contains("'build1' has no connection", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hand_edited_bad_connection_is_a_user_error_not_a_crash()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        File.WriteAllText(ConfigFile, "workers:\n  - name: build1\n    connection: \"-oProxyCommand=x\"\n");

        var e = Assert.Throws<UserError>(() => new ConfigStore(ConfigFile).Load());

        Assert.Contains("-oProxyCommand=x", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Saving_replaces_the_previous_config()
    {
        var store = new ConfigStore(ConfigFile);
        store.Save(Config.Empty.Add(W("a", "local")).Add(W("b", "alice@b")));

        store.Save(store.Load().Remove("a"));
        var loaded = store.Load();

        Assert.Equal("b", loaded.DefaultWorker);
        Assert.Equal([W("b", "alice@b")], loaded.Workers);
    }
}
