using System.Text;
using System.Text.RegularExpressions;
using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>`p --incremental -- make` on a 200-file C project: after a one-file change, make compiles one file.</summary>
[Collection(MirrorSyncCollection.Name)]
public sealed class IncrementalBuildTests(SshdFixture sshd, ITestOutputHelper output)
{
    private const int Files = 200;

    [Fact]
    public async Task After_a_one_file_change_an_incremental_job_compiles_exactly_that_file_and_relinks()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var project = CProject(world);

        var first = await world.P(project, "--incremental", "--", "make");
        File.WriteAllText(Path.Combine(project, "f17.c"), "int f17(void) { return 1017; }\n");
        var second = await world.P(project, "--incremental", "--", "make");
        var run = await world.P(project, "--incremental", "--", "./build/app");
        var clean = await world.P(project, "--no-incremental", "--", "make");

        first.AssertExit(0);
        Assert.Equal(Files + 1, Compiled(first.Stdout).Count);
        second.AssertExit(0);
        Assert.Equal(["f17.c"], Compiled(second.Stdout));
        Assert.Contains("LINK build/app", second.Stdout, StringComparison.Ordinal);
        Assert.Equal((0, $"{Expected(17, 1017)}\n"), (run.ExitCode, run.Stdout));
        Assert.Equal(Files + 1, Compiled(clean.Stdout).Count);
        // The first job's dir is left as it was: its source and its object.
        var firstId = world.Jobs().OrderBy(j => j.GetProperty("started_at").GetString(), StringComparer.Ordinal).First().GetProperty("id").GetString()!;
        var firstDir = worker.PathInHome(Path.Combine(".p", "workdirs", firstId));
        Assert.Equal("int f17(void) { return 17; }\n", File.ReadAllText(Path.Combine(firstDir, "f17.c")));
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(firstDir, "build", "f17.o")) < File.GetLastWriteTimeUtc(Path.Combine(worker.PathInHome(Path.Combine(".p", "workdirs", JobOf(world, second))), "build", "f17.o")));
    }

    // The sum main prints: 0+1+...+199, with f<changed> returning <value> instead of its index.
    private static int Expected(int changed, int value) => Enumerable.Range(0, Files).Sum() - changed + value;

    private static List<string> Compiled(string makeOutput) =>
        [.. Regex.Matches(makeOutput, @"^CC (\S+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value)];

    private static string JobOf(TestWorld world, PResult result) =>
        world.Jobs().OrderBy(j => j.GetProperty("started_at").GetString(), StringComparer.Ordinal).ElementAt(1).GetProperty("id").GetString()!;

    private static string CProject(TestWorld world)
    {
        var project = world.CreateClientDir("cproj");
        var main = new StringBuilder("#include <stdio.h>\n");
        for (var i = 0; i < Files; i++)
        {
            File.WriteAllText(Path.Combine(project, $"f{i}.c"), $"int f{i}(void) {{ return {i}; }}\n");
            main.Append($"int f{i}(void);\n");
        }
        main.Append("int main(void) { long s = 0;\n");
        for (var i = 0; i < Files; i++)
        {
            main.Append($"  s += f{i}();\n");
        }
        main.Append("  printf(\"%ld\\n\", s); return 0; }\n");
        File.WriteAllText(Path.Combine(project, "main.c"), main.ToString());
        File.WriteAllText(Path.Combine(project, "Makefile"), """
            SRC := $(wildcard *.c)
            OBJ := $(SRC:%.c=build/%.o)
            build/app: $(OBJ)
            	@echo LINK $@
            	@cc -o $@ $(OBJ)
            build/%.o: %.c
            	@mkdir -p build
            	@echo CC $<
            	@cc -c -o $@ $<
            """.Replace("\n    ", "\n\t", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(project, ".gitignore"), "build/\n");
        ProcessRunner.Run("git", ["-C", project, "init", "-q"]).EnsureSuccess();
        return project;
    }
}
