using System.Text;
using System.Text.RegularExpressions;
using P.Cli;
using P.Transport;

namespace P.Core;

/// <summary>
/// Variables given to a job with -e and --env-file, in docker's conventions.
/// Their values travel on the agent's stdin and live on the worker only in a
/// file private to the user: never in an argv, never in the job store.
/// </summary>
internal sealed partial class JobEnvironment
{
    private readonly List<KeyValuePair<string, string>> variables = [];

    public IReadOnlyList<KeyValuePair<string, string>> Variables => variables;

    /// <summary>`-e NAME=VALUE` sets a value; `-e NAME` passes the client's own (none if it has none).</summary>
    public void Add(string spec, Func<string, string?> getEnv, string where = "-e")
    {
        var equals = spec.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? spec : spec[..equals];
        if (!Name().IsMatch(name))
        {
            throw new UserError($"{where}: '{name}' is not a variable name: use letters, digits and _, not starting with a digit (e.g. -e BUILD_TYPE=release).", ExitCodes.Usage);
        }
        var value = equals < 0 ? getEnv(name) : spec[(equals + 1)..];
        if (value is not null)
        {
            variables.RemoveAll(v => v.Key == name);
            variables.Add(new(name, value));
        }
    }

    /// <summary>`--env-file FILE`: NAME=VALUE or NAME lines; blank lines and # comments skipped; values taken literally.</summary>
    public void AddFile(string path, string cwd, Func<string, string?> getEnv)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.GetFullPath(path, cwd));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"--env-file: cannot read {path}: {e.Message}", ExitCodes.Usage);
        }
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            if (line.Length > 0 && line[0] != '#')
            {
                Add(line, getEnv, $"{path}:{i + 1}");
            }
        }
    }

    /// <summary>The variables as sh `export` lines, each value quoted by <see cref="ShellQuote"/>.</summary>
    public string ToShell()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in variables)
        {
            text.Append("export ").Append(name).Append('=').Append(ShellQuote.Quote(value)).Append('\n');
        }
        return text.ToString();
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*\\z")]
    private static partial Regex Name();
}
