using System.Text;
using P.Cli;

namespace P.Core;

/// <summary>
/// Splits a string into words by POSIX shell rules for quoting: blanks
/// separate words; '…' is literal; "…" is literal but for \" \\ \$ \` and a
/// backslash-newline; \x outside quotes is x. Nothing is expanded: a `$`,
/// a backquote or a glob character is an ordinary character, so what the
/// user wrote reaches the remote program as words, never as shell code.
/// </summary>
internal static class ShellWords
{
    public static IReadOnlyList<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '\n':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }
                    break;
                case '\'':
                    var close = text.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw Unbalanced(text, "'");
                    }
                    word.Append(text, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    i = DoubleQuoted(text, i + 1, word);
                    inWord = true;
                    break;
                case '\\':
                    if (i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        word.Append(text[i + 1]);
                        inWord = true;
                    }
                    i++;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    // From just after the opening quote; returns the index of the closing one.
    private static int DoubleQuoted(string text, int start, StringBuilder word)
    {
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                return i;
            }
            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`' or '\n')
            {
                if (text[i + 1] != '\n')
                {
                    word.Append(text[i + 1]);
                }
                i++;
                continue;
            }
            word.Append(c);
        }
        throw Unbalanced(text, "\"");
    }

    private static UserError Unbalanced(string text, string quote) =>
        new($"unbalanced {quote} in '{text}': close the quote.", ExitCodes.Usage);
}
