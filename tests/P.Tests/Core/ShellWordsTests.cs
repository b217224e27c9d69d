using P.Cli;
using P.Core;

namespace P.Tests.Core;

public sealed class ShellWordsTests
{
    [Theory]
    [InlineData("", new string[0])]
    [InlineData("  -c 2  --time=5 ", new[] { "-c", "2", "--time=5" })]
    [InlineData("--comment='a b' -J \"x y\"", new[] { "--comment=a b", "-J", "x y" })]
    [InlineData("'it'\\''s' \"say \\\"hi\\\" \\$HOME\"", new[] { "it's", "say \"hi\" $HOME" })]
    [InlineData("$(rm -rf /) `id` *;&|", new[] { "$(rm", "-rf", "/)", "`id`", "*;&|" })]
    [InlineData("a\\ b ''", new[] { "a b", "" })]
    public void Splits_as_a_posix_shell_does_without_expanding(string text, string[] words) =>
        Assert.Equal(words, ShellWords.Split(text));

    [Theory]
    [InlineData("--comment='open")]
    [InlineData("-J \"open")]
    public void An_unbalanced_quote_is_a_usage_error(string text)
    {
        var e = Assert.Throws<UserError>(() => ShellWords.Split(text));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }
}
