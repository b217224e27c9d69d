using P.Cli;
using P.Core;

namespace P.Tests.Core;

public sealed class ConnectionTests
{
    [Fact]
    public void User_at_host_has_no_port()
    {
        var c = Connection.Parse("alice@build1");

        Assert.Equal(new Connection("alice@build1", "alice", "build1", null), c);
        Assert.Equal("alice@build1", c.Destination);
        Assert.False(c.IsLocal);
    }

    [Fact]
    public void User_at_host_colon_port_has_the_port()
    {
        var c = Connection.Parse("alice@10.0.0.5:2222");

        Assert.Equal(new Connection("alice@10.0.0.5:2222", "alice", "10.0.0.5", 2222), c);
        Assert.Equal("alice@10.0.0.5", c.Destination);
    }

    [Fact]
    public void A_bare_host_has_no_user()
    {
        var c = Connection.Parse("build1.example.com");

        Assert.Equal(new Connection("build1.example.com", null, "build1.example.com", null), c);
        Assert.Equal("build1.example.com", c.Destination);
    }

    [Fact]
    public void An_ssh_config_alias_is_a_host()
    {
        var c = Connection.Parse("beefy_box-2");

        Assert.Equal("beefy_box-2", c.Host);
        Assert.Equal("beefy_box-2", c.Destination);
        Assert.Null(c.User);
        Assert.Null(c.Port);
    }

    [Fact]
    public void A_bracketed_ipv6_address_with_user_and_port_loses_its_brackets()
    {
        var c = Connection.Parse("user@[::1]:2222");

        Assert.Equal("::1", c.Host);
        Assert.Equal(2222, c.Port);
        Assert.Equal("user", c.User);
        Assert.Equal("user@::1", c.Destination);
        Assert.Equal("user@[::1]:2222", c.Text);
    }

    [Fact]
    public void A_bracketed_ipv6_address_alone_is_the_host()
    {
        var c = Connection.Parse("[::1]");

        Assert.Equal(new Connection("[::1]", null, "::1", null), c);
        Assert.Equal("::1", c.Destination);
    }

    [Fact]
    public void Local_is_the_local_worker()
    {
        var c = Connection.Parse("local");

        Assert.True(c.IsLocal);
        Assert.Equal(new Connection("local", null, null, null), c);
    }

    [Theory]
    [InlineData("alice@build1:1", 1)]
    [InlineData("alice@build1:65535", 65535)]
    [InlineData("build1:22", 22)]
    public void Ports_from_1_to_65535_are_accepted(string text, int port)
    {
        Assert.Equal(port, Connection.Parse(text).Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-oProxyCommand=x")]
    [InlineData("user@")]
    [InlineData("@host")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:65536")]
    [InlineData("host:")]
    [InlineData("a b")]
    [InlineData("host;rm")]
    [InlineData("host$(id)")]
    [InlineData("::1")]
    [InlineData("user@host:port:x")]
    [InlineData("user@host:22:x")]
    [InlineData("user@-host")]
    [InlineData("-user@host")]
    [InlineData("user@[::1")]
    [InlineData("user@[]")]
    [InlineData("LOCAL ")]
    public void Bad_connection_strings_are_usage_errors(string text)
    {
        var e = Assert.Throws<UserError>(() => Connection.Parse(text));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host\n")]
    [InlineData("alice@build1\n")]
    [InlineData("alice@build1:22\n")]
    public void A_trailing_newline_is_rejected(string text)
    {
        var e = Assert.Throws<UserError>(() => Connection.Parse(text));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }
}
