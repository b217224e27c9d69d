using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>A sync that takes more than a moment shows its progress on one terminal line.</summary>
[Collection(InteractiveSshdCollection.Name)]
public sealed class SyncProgressTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task A_long_sync_on_a_terminal_shows_progress_on_one_line()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        var src = world.CreateClientDir("big");
        var block = new byte[1 << 20];
        Random.Shared.NextBytes(block);
        using (var file = File.Create(Path.Combine(src, "big.bin")))
        {
            for (var i = 0; i < 600; i++)
            {
                file.Write(block);
            }
        }

        using var terminal = world.StartP(src, "-d", "--", "true");
        var screen = await terminal.WaitForScreen(
            s => System.Text.RegularExpressions.Regex.IsMatch(s, @"^sync +[0-9,]+ +[0-9]+%", System.Text.RegularExpressions.RegexOptions.Multiline),
            TimeSpan.FromSeconds(30), "a sync progress line");

        Assert.Single(screen.Split('\n'), l => l.StartsWith("sync ", StringComparison.Ordinal));
        Assert.Equal(0, await terminal.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain("sync ", terminal.Transcript(), StringComparison.Ordinal);
    }
}
