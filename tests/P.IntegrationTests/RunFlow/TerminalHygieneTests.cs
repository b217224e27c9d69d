using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>p leaves the user's terminal modes as it found them.</summary>
public sealed class TerminalHygieneTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("worker ls")]
    [InlineData("ls")]
    [InlineData("-d -n -- true")]
    public async Task P_on_a_terminal_does_not_switch_the_keypad_to_application_mode(string args)
    {
        using var world = TestWorld.CreateLocal(output);
        (await world.P(world.ClientHome, "worker", "register", "local")).AssertExit(0);

        // script(1) gives p a real pty and records every byte p writes to it.
        var raw = await ProcessRunner.RunAsync(
            "script", ["-qec", $"{PCli.BinaryPath} {args}", "/dev/null"], world.Environment.ToDictionary(), world.ClientHome);

        Assert.True(raw.ExitCode == 0, raw.ToString());
        Assert.DoesNotContain("\u001b[?1h", raw.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b=", raw.Stdout, StringComparison.Ordinal);
    }
}
