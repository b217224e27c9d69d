using System.Text.RegularExpressions;
using P.Cli;

namespace P.Core;

/// <summary>Worker names: letters, digits, '.', '_', '-', never a subcommand's name.</summary>
internal static partial class WorkerName
{
    /// <summary>Words that `p &lt;word&gt;` already means something for.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
    {
        "ls", "attach", "logs", "stop", "pull", "rm", "worker", "workers", "help", "completion",
        "version", "run", "start", "status", "register", "default",
    };

    public static string Validate(string name)
    {
        if (!Shape().IsMatch(name))
        {
            throw new UserError(
                $"bad worker name '{name}': use letters, digits, '.', '_' and '-' (not first), e.g. -n beefy.",
                ExitCodes.Usage);
        }
        if (Reserved.Contains(name))
        {
            throw new UserError($"'{name}' is a p command and cannot name a worker: choose another name with -n.", ExitCodes.Usage);
        }
        return name;
    }

    /// <summary>The name a connection gets when none is given: its host (or "local").</summary>
    public static string DefaultFor(Connection connection)
    {
        var candidate = connection.IsLocal ? Connection.LocalText : connection.Host!;
        if (!Shape().IsMatch(candidate) || Reserved.Contains(candidate))
        {
            throw new UserError($"cannot derive a worker name from '{connection.Text}': give one with -n <name>.", ExitCodes.Usage);
        }
        return candidate;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex Shape();
}
