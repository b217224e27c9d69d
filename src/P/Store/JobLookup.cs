using System.Text.RegularExpressions;
using P.Cli;
using P.Core;

namespace P.Store;

/// <summary>Finds a job by its full id or a unique prefix of at least 4 hex digits, as git and docker do.</summary>
internal static partial class JobLookup
{
    public const int MinimumPrefix = 4;

    public static Job Find(JobStore store, string text) => Find(store.All(), text);

    public static Job Find(IReadOnlyList<Job> jobs, string text)
    {
        var prefix = text.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        if (!Hex().IsMatch(prefix) || prefix.Length < MinimumPrefix)
        {
            throw new UserError($"bad job id '{text}': give at least {MinimumPrefix} hex digits of an id from `p ls`.", ExitCodes.Usage);
        }
        var matches = jobs.Where(j => j.Id.ToString("N").StartsWith(prefix, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new UserError($"no job '{text}': see `p ls`."),
            _ => throw new UserError(
                $"job id '{text}' is ambiguous ({string.Join(", ", matches.OrderBy(j => j.Id.ToString("N"), StringComparer.Ordinal).Select(j => j.Id.ToString("N")[..Math.Max(8, prefix.Length + 1)]))}): give more digits."),
        };
    }

    [GeneratedRegex("^[0-9a-f]{1,32}\\z")]
    private static partial Regex Hex();
}
