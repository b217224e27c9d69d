namespace P.Cli;

/// <summary>Left-aligned columns separated by two spaces, in the style of `docker ps`.</summary>
internal static class Table
{
    public static void Write(TextWriter output, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        var widths = Enumerable.Range(0, all[0].Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
        {
            var cells = row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]));
            output.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }
}
