using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace P.Cli;

/// <summary>
/// A command's description carries its examples after a blank line, shown by
/// `p &lt;cmd&gt; --help`. In a list of subcommands only the first paragraph is
/// shown, so `p --help` stays one line per command.
/// </summary>
internal sealed class ShortListingHelp(HelpAction inner) : SynchronousCommandLineAction
{
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new ShortListingHelp((HelpAction)help.Action!);
    }

    public override int Invoke(ParseResult parseResult)
    {
        var listed = parseResult.CommandResult.Command.Subcommands.ToList();
        var full = listed.Select(c => c.Description).ToList();
        foreach (var command in listed)
        {
            command.Description = FirstParagraph(command.Description);
        }
        try
        {
            return inner.Invoke(parseResult);
        }
        finally
        {
            foreach (var (command, description) in listed.Zip(full))
            {
                command.Description = description;
            }
        }
    }

    private static string? FirstParagraph(string? text) =>
        text?.Split("\n\n", 2, StringSplitOptions.None)[0];
}
