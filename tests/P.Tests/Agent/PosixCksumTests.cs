using System.Globalization;
using System.Text;
using P.Agent;
using P.Tests.Support;

namespace P.Tests.Agent;

public sealed class PosixCksumTests
{
    /// <summary>`cksum` of stdin prints "crc size".</summary>
    private static async Task<string> SystemCksumAsync(byte[] data)
    {
        var result = await Exec.RunAsync(["cksum"], data);
        Assert.Equal(0, result.ExitCode);
        return Encoding.ASCII.GetString(result.Stdout).Trim();
    }

    private static string Ours(byte[] data) =>
        string.Create(CultureInfo.InvariantCulture, $"{PosixCksum.Compute(data)} {data.Length}");

    [Fact]
    public async Task Empty_input_matches_cksum()
    {
        Assert.Equal(await SystemCksumAsync([]), Ours([]));
        Assert.Equal(4294967295u, PosixCksum.Compute([]));
    }

    [Fact]
    public async Task Hello_newline_matches_cksum()
    {
        var data = Encoding.ASCII.GetBytes("hello\n");

        Assert.Equal(await SystemCksumAsync(data), Ours(data));
        Assert.Equal(3015617425u, PosixCksum.Compute(data));
    }

    [Fact]
    public async Task One_hundred_kilobytes_of_random_bytes_match_cksum()
    {
        var data = new byte[100 * 1024];
        new Random(1234).NextBytes(data);

        Assert.Equal(await SystemCksumAsync(data), Ours(data));
    }

    [Fact]
    public async Task Lengths_that_need_several_length_bytes_match_cksum()
    {
        // The length is folded in byte by byte: 255, 256 and 65536 exercise 1, 2 and 3 of them.
        foreach (var length in (int[])[1, 255, 256, 65536])
        {
            var data = new byte[length];
            Array.Fill(data, (byte)0xA5);
            Assert.Equal(await SystemCksumAsync(data), Ours(data));
        }
    }

    [Fact]
    public async Task The_embedded_agent_version_is_the_cksum_of_p_agent_sh()
    {
        var script = Path.Combine(RepoRoot(), "src", "P", "Agent", "p-agent.sh");
        var result = await Exec.RunAsync(["cksum", script]);
        Assert.Equal(0, result.ExitCode);
        var fields = Encoding.ASCII.GetString(result.Stdout).Split(' ');

        Assert.Equal($"{fields[0]}.{fields[1]}", AgentScript.Embedded().Version);
        Assert.Equal(File.ReadAllBytes(script), AgentScript.Embedded().Bytes);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "p.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no p.slnx above {AppContext.BaseDirectory}");
    }
}
