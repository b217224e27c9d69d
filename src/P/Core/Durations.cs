using System.Globalization;

namespace P.Core;

internal static class Durations
{
    /// <summary>h:mm:ss, as in the spec's `p ls` and the status bar.</summary>
    public static string Format(TimeSpan span)
    {
        var seconds = Math.Max(0, (long)span.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}");
    }
}
