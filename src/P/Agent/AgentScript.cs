using System.Globalization;

namespace P.Agent;

/// <summary>
/// The agent's text, embedded at build time. Its version is its POSIX cksum
/// ("crc.size"), which the agent can compute of itself with `cksum`, so any
/// edit on the worker, however small, is seen and undone.
/// </summary>
internal sealed class AgentScript
{
    private AgentScript(byte[] bytes)
    {
        Bytes = bytes;
        Version = string.Create(CultureInfo.InvariantCulture, $"{PosixCksum.Compute(bytes)}.{bytes.Length}");
    }

    public byte[] Bytes { get; }

    public string Version { get; }

    public static AgentScript Embedded()
    {
        using var stream = typeof(AgentScript).Assembly.GetManifestResourceStream("p-agent.sh")
            ?? throw new InvalidOperationException("the agent script is not embedded in this build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new AgentScript(copy.ToArray());
    }
}
