using System.CommandLine;
using P.Cli;

namespace P.Commands;

/// <summary>`p completion bash|zsh`: prints the shell completion script.</summary>
internal static class CompletionCommand
{
    private static readonly string[] Shells = ["bash", "zsh"];

    private const string Description = """
        Print a shell completion script to stdout

        bash, in the current shell or from ~/.bashrc:
          source <(p completion bash)
        or installed for every bash (with the bash-completion package):
          p completion bash > ~/.local/share/bash-completion/completions/p

        zsh, in ~/.zshrc after compinit:
          source <(p completion zsh)
        or as a file named _p in a directory of $fpath:
          p completion zsh > ~/.zfunc/_p    (with fpath=(~/.zfunc $fpath) before compinit)

        Completes subcommands, options, worker names and job ids.
        """;

    public static Command Create(PContext context)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.CompletionSources.Add(Shells);
        var command = new Command("completion", Description) { shell };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(shell)!;
            if (!Shells.Contains(name, StringComparer.Ordinal))
            {
                throw new UserError($"no completion for '{name}': choose one of {string.Join(", ", Shells)}.", ExitCodes.Usage);
            }
            context.Out.Write(Script(name));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The embedded script for <paramref name="shell"/> (bash or zsh).</summary>
    public static string Script(string shell)
    {
        var resource = $"p-completion.{shell}";
        using var stream = typeof(CompletionCommand).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource} is not embedded in this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
