namespace P.Tests.Support;

/// <summary>Words that a careless quoting scheme mangles in at least one shell.</summary>
internal static class TrickyWords
{
    public static readonly IReadOnlyList<string> All =
    [
        "a b", "it's", "$HOME", "`id`", ";", "*", "x\\y", "a\nb", "", "ü€", "!!", "'", "trailing\n\n",
        "$(id)", "${HOME}", "\"", "\"'\"", "\\", "\\'", "''", "a'b'c", "-n", "-e", "--", "%s", "%d\\0",
        "~", "~root", "{a,b}", "#comment", "&&", "|", "<x", ">x", "\t", " leading", "trailing ", "\r\n",
        "!", "!$", "^old^new", "\\n", "@", "%", "a=b", "[a]", "?", "plain",
    ];

    public static TheoryData<string> Each()
    {
        var data = new TheoryData<string>();
        foreach (var word in All)
        {
            data.Add(word);
        }
        return data;
    }

    /// <summary>Splits printf '%s\0' output back into words.</summary>
    public static IReadOnlyList<string> SplitNul(byte[] output)
    {
        var text = System.Text.Encoding.UTF8.GetString(output);
        Assert.EndsWith("\0", text, StringComparison.Ordinal);
        return text[..^1].Split('\0');
    }
}
