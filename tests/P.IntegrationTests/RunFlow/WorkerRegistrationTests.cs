using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>`p worker register/ls/rm/default`: the config file, defaults and bad input.</summary>
public sealed class WorkerRegistrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_first_worker_registered_becomes_the_default_and_default_can_move()
    {
        using var world = TestWorld.CreateLocal(output);
        var home = world.ClientHome;

        (await world.P(home, "worker", "register", "alice@build1")).AssertExit(0);
        (await world.P(home, "worker", "register", "bob@10.0.0.5:2222", "-n", "beefy")).AssertExit(0);
        (await world.P(home, "worker", "register", "carol@[::1]:2200", "-n", "six")).AssertExit(0);
        (await world.P(home, "worker", "register", "local")).AssertExit(0);

        var yaml = File.ReadAllText(Path.Combine(world.ConfigHome, "p", "config.yaml"));
        Assert.Contains("default_worker: build1", yaml, StringComparison.Ordinal);
        Assert.Contains("connection: bob@10.0.0.5:2222", yaml, StringComparison.Ordinal);
        Assert.Contains("connection: carol@[::1]:2200", yaml, StringComparison.Ordinal);

        (await world.P(home, "worker", "default", "beefy")).AssertExit(0);
        var ls = await world.P(home, "worker", "ls");
        ls.AssertExit(0);
        var beefy = ls.Stdout.Split('\n').Single(l => l.StartsWith("beefy", StringComparison.Ordinal));
        Assert.EndsWith("*", beefy.TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("build1", ls.Stdout, StringComparison.Ordinal);

        (await world.P(home, "worker", "rm", "beefy")).AssertExit(0);
        var after = await world.P(home, "worker", "ls");
        Assert.DoesNotContain("beefy", after.Stdout, StringComparison.Ordinal);
        Assert.Contains("default_worker: build1", File.ReadAllText(Path.Combine(world.ConfigHome, "p", "config.yaml")), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(world.ConfigHome, "p"), "*.tmp"));
    }

    [Theory]
    [InlineData("ls")]
    [InlineData("attach")]
    [InlineData("worker")]
    [InlineData("help")]
    [InlineData("a b")]
    [InlineData("-x")]
    [InlineData("semi;colon")]
    public async Task A_bad_worker_name_is_refused_in_one_line(string name)
    {
        using var world = TestWorld.CreateLocal(output);
        var result = await world.P(world.ClientHome, "worker", "register", "local", "-n", name);
        result.AssertOneLineError();
        Assert.False(File.Exists(Path.Combine(world.ConfigHome, "p", "config.yaml")));
    }

    [Theory]
    [InlineData("user@")]
    [InlineData("-oProxyCommand=touch /tmp/x")]
    [InlineData("host:99999")]
    [InlineData("::1")]
    [InlineData("a b@host")]
    [InlineData("host;rm -rf ~")]
    public async Task A_bad_connection_string_is_refused_in_one_line(string connection)
    {
        using var world = TestWorld.CreateLocal(output);
        var result = await world.P(world.ClientHome, "worker", "register", connection, "-n", "x");
        result.AssertOneLineError();
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task Duplicate_and_unknown_names_are_refused_in_one_line()
    {
        using var world = TestWorld.CreateLocal(output);
        (await world.P(world.ClientHome, "worker", "register", "local")).AssertExit(0);
        (await world.P(world.ClientHome, "worker", "register", "alice@elsewhere", "-n", "local")).AssertOneLineError();
        (await world.P(world.ClientHome, "worker", "rm", "nosuch")).AssertOneLineError();
        (await world.P(world.ClientHome, "worker", "default", "nosuch")).AssertOneLineError();
        (await world.P(world.ClientHome, "nosuch", "--", "true")).AssertOneLineError();
    }

    [Fact]
    public async Task Running_without_a_registered_worker_says_how_to_register_one()
    {
        using var world = TestWorld.CreateLocal(output);
        var result = await world.P(world.ClientHome, "--", "true");
        result.AssertOneLineError();
        Assert.Contains("p worker register", result.Stderr, StringComparison.Ordinal);
    }
}
