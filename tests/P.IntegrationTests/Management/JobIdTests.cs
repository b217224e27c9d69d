using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>Every command taking &lt;id&gt;: the full UUID, a unique prefix of 4+ hex digits, and the errors.</summary>
[Collection(ManagementJobsCollection.Name)]
public sealed class JobIdTests(SshdFixture sshd, ITestOutputHelper output)
{
    // Each command that takes a job id, with what it needs after the id.
    private static readonly string[][] IdCommands =
    [
        ["attach"],
        ["logs"],
        ["logs", "-f"],
        ["stop"],
        ["pull", "{id}", "some-file"],
        ["rm"],
    ];

    private static string[] WithId(string[] command, string id) =>
        command.Contains("{id}") ? [.. command.Select(a => a == "{id}" ? id : a)] : [.. command, id];

    [Fact]
    public async Task A_job_is_found_by_its_full_id_or_any_unique_prefix_of_four_or_more_hex_digits()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, "echo id-test; echo x > f.txt; exit 3");
        await worker.WaitForExitCode(id);
        var hex = id.Replace("-", "", StringComparison.Ordinal);

        // Full id, without dashes, prefixes of 4 and 8, a prefix cut inside the dashes, upper case.
        foreach (var form in new[] { id, hex, id[..4], id[..8], id[..13], id[..11], id.ToUpperInvariant()[..6] })
        {
            var logs = await world.P(world.ClientHome, "logs", form);
            Assert.True(logs.ExitCode == 0 && logs.Stdout == "id-test\n", $"p logs {form}\n{logs}");
        }
        var follow = await world.P(world.ClientHome, "logs", "-f", id[..5]);
        follow.AssertExit(3);
        var stop = await world.P(world.ClientHome, "stop", hex[..7]);
        stop.AssertExit(0);
        Assert.Contains("nothing to stop", stop.Stderr, StringComparison.Ordinal);
        var pulled = world.CreateClientDir("pulled");
        var pull = await world.P(world.ClientHome, "pull", id[..4], "f.txt", pulled);
        pull.AssertExit(0);
        Assert.Equal("x\n", File.ReadAllText(Path.Combine(pulled, "f.txt")));
        var rm = await world.P(world.ClientHome, "rm", id[..4]);
        rm.AssertExit(0);
        Assert.False(File.Exists(world.RecordPath(id)), rm.ToString());
    }

    [Fact]
    public async Task Unknown_ambiguous_and_too_short_ids_are_one_line_errors_for_every_command()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, "true");
        await worker.WaitForExitCode(id);
        // Two records sharing a 4-digit prefix that the real job does not have.
        var shared = id.StartsWith("abcd", StringComparison.Ordinal) ? "dcba" : "abcd";
        var first = $"{shared}0001-0000-4000-8000-000000000001";
        var second = $"{shared}0002-0000-4000-8000-000000000002";
        var template = world.Record(id);
        world.WriteRecord(template, first, "w1", "done", 0);
        world.WriteRecord(template, second, "w1", "done", 0);
        var unknown = id.StartsWith("0000", StringComparison.Ordinal) ? "ffff0000" : "0000ffff";

        foreach (var command in IdCommands)
        {
            var name = string.Join(' ', command);

            var missing = await world.P(world.ClientHome, WithId(command, unknown));
            missing.AssertOneLineError();
            Assert.True(missing.Stderr.Contains(unknown, StringComparison.Ordinal), $"p {name} {unknown} should name the id\n{missing}");

            var ambiguous = await world.P(world.ClientHome, WithId(command, shared));
            ambiguous.AssertOneLineError();
            Assert.True(
                ambiguous.Stderr.Contains("ambiguous", StringComparison.Ordinal)
                    && ambiguous.Stderr.Contains(first[..8], StringComparison.Ordinal)
                    && ambiguous.Stderr.Contains(second[..8], StringComparison.Ordinal),
                $"p {name} {shared} should list both candidates\n{ambiguous}");

            var tooShort = await world.P(world.ClientHome, WithId(command, id[..3]));
            Assert.True(tooShort.ExitCode == 2, $"p {name} {id[..3]} should be a usage error (exit 2)\n{tooShort}");
            tooShort.AssertOneLineError();
        }
        // Nothing was removed or changed by any of the refused commands.
        Assert.True(File.Exists(world.RecordPath(first)) && File.Exists(world.RecordPath(second)) && File.Exists(world.RecordPath(id)));
    }
}
