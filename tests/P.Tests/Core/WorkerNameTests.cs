using P.Cli;
using P.Core;

namespace P.Tests.Core;

public sealed class WorkerNameTests
{
    [Theory]
    [InlineData("beefy")]
    [InlineData("build1")]
    [InlineData("10.0.0.5")]
    [InlineData("a.b_c-d")]
    [InlineData("X")]
    [InlineData("LS")]
    [InlineData("local")]
    [InlineData("worker2")]
    public void Valid_names_are_returned_unchanged(string name)
    {
        Assert.Equal(name, WorkerName.Validate(name));
    }

    [Fact]
    public void Sixty_four_characters_is_the_longest_name()
    {
        var longest = new string('a', 64);

        Assert.Equal(longest, WorkerName.Validate(longest));
        Assert.Equal(ExitCodes.Usage, Assert.Throws<UserError>(() => WorkerName.Validate(longest + "a")).ExitCode);
    }

    [Theory]
    [InlineData("ls")]
    [InlineData("attach")]
    [InlineData("logs")]
    [InlineData("stop")]
    [InlineData("pull")]
    [InlineData("rm")]
    [InlineData("worker")]
    [InlineData("help")]
    public void Names_of_p_commands_are_reserved(string name)
    {
        var e = Assert.Throws<UserError>(() => WorkerName.Validate(name));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("is a p command", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-n")]
    [InlineData("-beefy")]
    [InlineData(".hidden")]
    [InlineData("_under")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("a@b")]
    [InlineData("a:b")]
    [InlineData("it's")]
    [InlineData("ü")]
    [InlineData("a\tb")]
    [InlineData("beefy\n")]
    public void Names_with_bad_characters_are_usage_errors(string name)
    {
        var e = Assert.Throws<UserError>(() => WorkerName.Validate(name));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("bad worker name", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("local", "local")]
    [InlineData("alice@build1", "build1")]
    [InlineData("alice@10.0.0.5:2222", "10.0.0.5")]
    [InlineData("beefy", "beefy")]
    [InlineData("build1.example.com:22", "build1.example.com")]
    public void The_default_name_is_the_host(string connection, string expected)
    {
        Assert.Equal(expected, WorkerName.DefaultFor(Connection.Parse(connection)));
    }

    [Theory]
    [InlineData("alice@[::1]:2222")]
    [InlineData("alice@ls")]
    [InlineData("_alias")]
    public void A_host_that_is_no_valid_name_needs_an_explicit_name(string connection)
    {
        var e = Assert.Throws<UserError>(() => WorkerName.DefaultFor(Connection.Parse(connection)));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("-n", e.Message, StringComparison.Ordinal);
    }
}
