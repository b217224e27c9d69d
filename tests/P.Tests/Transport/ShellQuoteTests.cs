using P.Tests.Support;
using P.Transport;

namespace P.Tests.Transport;

public sealed class ShellQuoteTests
{
    private static readonly string[] BinSh = ["/bin/sh"];

    /// <summary>Each POSIX-ish shell found on this machine, as the argv prefix that runs a command string.</summary>
    public static TheoryData<string[]> Shells()
    {
        var data = new TheoryData<string[]> { BinSh };
        foreach (var name in (string[])["bash", "dash"])
        {
            if (Exec.Find(name) is { } path)
            {
                data.Add([path]);
            }
        }
        if (Exec.Find("busybox") is { } busybox)
        {
            data.Add([busybox, "sh"]);
        }
        return data;
    }

    public static TheoryData<string> Words() => TrickyWords.Each();

    private static async Task<IReadOnlyList<string>> EchoThroughAsync(string[] shell, IReadOnlyList<string> words)
    {
        var result = await Exec.RunAsync([.. shell, "-c", "printf '%s\\0' " + ShellQuote.Join(words)]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return TrickyWords.SplitNul(result.Stdout);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public async Task Every_tricky_word_survives_the_shell_unchanged(string[] shell)
    {
        var back = await EchoThroughAsync(shell, TrickyWords.All);

        Assert.Equal(TrickyWords.All, back);
    }

    [Theory]
    [MemberData(nameof(Words))]
    public async Task A_single_tricky_word_survives_sh_as_one_word(string word)
    {
        var back = await EchoThroughAsync(BinSh, [word]);

        Assert.Equal([word], back);
    }

    [Fact]
    public void A_single_quote_becomes_close_escaped_quote_reopen()
    {
        Assert.Equal("'it'\\''s'", ShellQuote.Quote("it's"));
    }

    [Fact]
    public void The_empty_word_is_quoted_rather_than_dropped()
    {
        Assert.Equal("''", ShellQuote.Quote(""));
    }

    [Fact]
    public void Words_are_joined_with_single_spaces()
    {
        Assert.Equal("'a b' 'c'", ShellQuote.Join(["a b", "c"]));
    }

    [Fact]
    public void No_words_join_to_nothing()
    {
        Assert.Equal("", ShellQuote.Join([]));
    }
}
