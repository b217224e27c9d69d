using System.Text.Json;
using P.IntegrationTests.Infrastructure;

namespace P.IntegrationTests.RunFlow;

/// <summary>Helpers the run-flow tests share: registering workers, reading the stores.</summary>
internal static class E2e
{
    public static async Task<WorkerHome> RegisteredWorker(this TestWorld world, string alias = "w1", Action<string>? prepareHome = null)
    {
        var worker = world.AddWorker(alias, prepareHome);
        var result = await world.P(world.ClientHome, "worker", "register", worker.Connection);
        Assert.True(result.ExitCode == 0, result.ToString());
        return worker;
    }

    public static void AssertExit(this PResult result, int expected) =>
        Assert.True(result.ExitCode == expected, $"expected exit {expected}\n{result}");

    /// <summary>The one-line error p promises: "p: ...", no stack trace.</summary>
    public static void AssertOneLineError(this PResult result)
    {
        Assert.NotEqual(0, result.ExitCode);
        var lines = result.Stderr.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1 && lines[0].StartsWith("p: ", StringComparison.Ordinal), result.ToString());
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    public static IReadOnlyList<JsonElement> Jobs(this TestWorld world)
    {
        var dir = Path.Combine(world.DataHome, "p", "jobs");
        return Directory.Exists(dir)
            ? [.. Directory.GetFiles(dir, "*.json").Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone())]
            : [];
    }

    public static JsonElement SingleJob(this TestWorld world) => Assert.Single(world.Jobs());

    public static string JobDir(this WorkerHome worker, JsonElement job) =>
        worker.PathInHome(Path.Combine(".p", "jobs", job.GetProperty("id").GetString()!));

    public static string WorkDir(this WorkerHome worker, JsonElement job) =>
        worker.PathInHome(Path.Combine(".p", "workdirs", job.GetProperty("id").GetString()!));

    public static async Task WaitFor(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }
            await Task.Delay(50);
        }
    }
}
