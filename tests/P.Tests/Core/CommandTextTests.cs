using P.Core;

namespace P.Tests.Core;

public sealed class CommandTextTests
{
    [Fact]
    public void A_single_word_is_a_command_line_shown_as_typed()
    {
        Assert.Equal("make && make test", CommandText.Display(["make && make test"]));
    }

    [Fact]
    public void Plain_words_of_an_argv_are_not_quoted()
    {
        Assert.Equal("make -j8 CC=gcc-12 ./src/a.c user@host:1,2+3%", CommandText.Display(["make", "-j8", "CC=gcc-12", "./src/a.c", "user@host:1,2+3%"]));
    }

    [Fact]
    public void Words_with_spaces_or_shell_characters_are_quoted()
    {
        Assert.Equal("echo 'a b' '$HOME' 'it'\\''s' ''", CommandText.Display(["echo", "a b", "$HOME", "it's", ""]));
    }

    [Fact]
    public void A_word_with_a_trailing_newline_is_quoted()
    {
        Assert.Equal("printf 'a\n'", CommandText.Display(["printf", "a\n"]));
    }

    [Fact]
    public void Text_that_fits_is_not_truncated()
    {
        Assert.Equal("make", CommandText.Truncate("make", 4));
        Assert.Equal("", CommandText.Truncate("", 10));
    }

    [Fact]
    public void Long_text_is_cut_to_the_width_with_an_ellipsis()
    {
        var cut = CommandText.Truncate("make -j8 all", 8);

        Assert.Equal("make -j…", cut);
        Assert.Equal(8, cut.Length);
    }

    [Fact]
    public void Line_breaks_become_spaces()
    {
        Assert.Equal("a b c d", CommandText.Truncate("a\nb\r\nc\rd", 40));
    }

    [Fact]
    public void A_width_of_one_leaves_only_the_ellipsis()
    {
        Assert.Equal("…", CommandText.Truncate("make", 1));
    }
}
