using System.Globalization;
using System.Text.RegularExpressions;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>The job's tmux status bar: short id, worker, command, status, elapsed time kept current.</summary>
[Collection(ManagementTerminalCollection.Name)]
public sealed partial class StatusBarTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task The_bottom_line_shows_id_worker_command_status_and_a_running_clock_then_the_exit_code()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        // A short command, so the bar shows it whole: the gate loop lives in a synced script.
        var project = world.CreateClientDir("proj");
        await File.WriteAllTextAsync(
            Path.Combine(project, "wait.sh"), $"echo started\n{ManagementE2e.WaitForGate(worker.Gate())}\nexit 3\n");

        using var terminal = world.StartP(project, "--", "sh wait.sh");
        var firstScreen = await terminal.WaitForScreen(s => Bar(s, "running") is not null, description: "a [running] status bar");
        var id = world.SingleJob().GetProperty("id").GetString()!;
        var first = Bar(firstScreen, "running")!;
        Assert.Equal(id[..8], first.Groups["id"].Value);
        var start = Seconds(first);
        Assert.True(start < 10, $"elapsed time should start near 0:00:00\n{firstScreen}");

        await terminal.WaitForScreen(
            s => Bar(s, "running") is { } bar && Seconds(bar) >= start + 2,
            TimeSpan.FromSeconds(10),
            $"the elapsed time to advance 2 s past {start} s");

        await worker.Release();
        var doneScreen = await terminal.WaitForScreen(
            s => Bar(s, "done 3") is not null && s.Contains(ManagementE2e.DoneBanner(3), StringComparison.Ordinal),
            description: "the done screen with [done 3] in the status bar");
        Assert.Equal(id[..8], Bar(doneScreen, "done 3")!.Groups["id"].Value);
        terminal.SendKeys("q");
        Assert.Equal(3, await terminal.WaitForExit());
    }

    /// <summary>The screen's bottom line, if it is p's status bar with that status.</summary>
    private static Match? Bar(string screen, string status)
    {
        var bottom = screen.Split('\n')[^1];
        var match = BarPattern().Match(bottom);
        return match.Success && match.Groups["status"].Value == status ? match : null;
    }

    private static int Seconds(Match bar) =>
        (int.Parse(bar.Groups["h"].Value, CultureInfo.InvariantCulture) * 3600)
        + (int.Parse(bar.Groups["m"].Value, CultureInfo.InvariantCulture) * 60)
        + int.Parse(bar.Groups["s"].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^p-(?<id>[0-9a-f]{8}) w1 sh wait\.sh \[(?<status>[^\]]+)\] (?<h>\d+):(?<m>\d\d):(?<s>\d\d)$")]
    private static partial Regex BarPattern();
}
