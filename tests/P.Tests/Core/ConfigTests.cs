using P.Cli;
using P.Core;

namespace P.Tests.Core;

public sealed class ConfigTests
{
    private static Worker W(string name, string connection = "local") => new(name, Connection.Parse(connection));

    [Fact]
    public void The_first_worker_added_becomes_the_default()
    {
        var config = Config.Empty.Add(W("build1", "alice@build1"));

        Assert.Equal("build1", config.DefaultWorker);
        Assert.Equal(["build1"], config.Workers.Select(w => w.Name));
    }

    [Fact]
    public void Later_workers_do_not_change_the_default()
    {
        var config = Config.Empty.Add(W("build1", "alice@build1")).Add(W("beefy", "bob@beefy:2222"));

        Assert.Equal("build1", config.DefaultWorker);
        Assert.Equal(["build1", "beefy"], config.Workers.Select(w => w.Name));
    }

    [Fact]
    public void Adding_a_duplicate_name_is_refused_and_leaves_the_config_alone()
    {
        var config = Config.Empty.Add(W("build1", "alice@build1"));

        var e = Assert.Throws<UserError>(() => config.Add(W("build1", "bob@other")));

        Assert.Equal(ExitCodes.Error, e.ExitCode);
        Assert.Contains("already registered", e.Message, StringComparison.Ordinal);
        Assert.Equal("alice@build1", Assert.Single(config.Workers).Connection.Text);
    }

    [Fact]
    public void Removing_the_default_moves_the_default_to_the_next_worker()
    {
        var config = Config.Empty.Add(W("a")).Add(W("b")).Add(W("c"));

        var removed = config.Remove("a");

        Assert.Equal("b", removed.DefaultWorker);
        Assert.Equal(["b", "c"], removed.Workers.Select(w => w.Name));
    }

    [Fact]
    public void Removing_another_worker_keeps_the_default()
    {
        var config = Config.Empty.Add(W("a")).Add(W("b")).Add(W("c"));

        var removed = config.Remove("b");

        Assert.Equal("a", removed.DefaultWorker);
        Assert.Equal(["a", "c"], removed.Workers.Select(w => w.Name));
    }

    [Fact]
    public void Removing_the_last_worker_leaves_no_default()
    {
        var removed = Config.Empty.Add(W("a")).Remove("a");

        Assert.Empty(removed.Workers);
        Assert.Null(removed.DefaultWorker);
    }

    [Fact]
    public void Removing_an_unknown_worker_is_a_user_error()
    {
        var e = Assert.Throws<UserError>(() => Config.Empty.Add(W("a")).Remove("nosuch"));

        Assert.Contains("no worker named 'nosuch'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithDefault_switches_the_default()
    {
        var config = Config.Empty.Add(W("a")).Add(W("b")).WithDefault("b");

        Assert.Equal("b", config.DefaultWorker);
        Assert.Equal("b", config.Resolve(null).Name);
    }

    [Fact]
    public void WithDefault_of_an_unknown_worker_is_a_user_error()
    {
        var e = Assert.Throws<UserError>(() => Config.Empty.Add(W("a")).WithDefault("nosuch"));

        Assert.Equal(ExitCodes.Error, e.ExitCode);
        Assert.Contains("'nosuch'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_by_name_finds_that_worker()
    {
        var config = Config.Empty.Add(W("a")).Add(W("b", "bob@beefy"));

        Assert.Equal("bob@beefy", config.Resolve("b").Connection.Text);
    }

    [Fact]
    public void Resolve_with_no_workers_says_to_register_one()
    {
        var e = Assert.Throws<UserError>(() => Config.Empty.Resolve(null));

        Assert.Contains("no worker registered", e.Message, StringComparison.Ordinal);
        Assert.Contains("p worker register", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_with_workers_but_no_default_says_to_pick_one()
    {
        var config = new Config([W("a")], null);

        var e = Assert.Throws<UserError>(() => config.Resolve(null));

        Assert.Contains("no default worker", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_with_a_default_that_names_no_worker_says_to_pick_one()
    {
        var config = new Config([W("a")], "gone");

        var e = Assert.Throws<UserError>(() => config.Resolve(null));

        Assert.Contains("no default worker", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_of_an_unknown_name_is_a_user_error()
    {
        var e = Assert.Throws<UserError>(() => Config.Empty.Add(W("a")).Resolve("nosuch"));

        Assert.Contains("no worker named 'nosuch'", e.Message, StringComparison.Ordinal);
    }
}
