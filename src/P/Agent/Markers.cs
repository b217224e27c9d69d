namespace P.Agent;

/// <summary>Finding the agent's in-band markers in a stream that arrives in pieces.</summary>
internal static class Markers
{
    /// <summary>
    /// Where a tail of <paramref name="data"/> starts that could be the first
    /// bytes of <paramref name="marker"/> (data.Length if none): only that much
    /// must be held back until more arrives, so live output is not delayed.
    /// </summary>
    public static int PartialStart(ReadOnlySpan<byte> data, ReadOnlySpan<byte> marker)
    {
        for (var i = Math.Max(0, data.Length - marker.Length + 1); i < data.Length; i++)
        {
            if (data[i] == marker[0] && marker.StartsWith(data[i..]))
            {
                return i;
            }
        }
        return data.Length;
    }
}
