using System.Text.Json;
using System.Text.Json.Serialization;
using P.Core;

namespace P.Store;

/// <summary>
/// One JSON file per job under the data directory, each written atomically.
/// A record that cannot be read or does not fit (hand-edited, written by a
/// newer p, owned by root after a `sudo p`) is skipped, named once on
/// <paramref name="warnings"/>, and every command goes on.
/// </summary>
internal sealed class JobStore(string directory, TextWriter? warnings = null)
{
    private readonly HashSet<string> named = [];

    public void Save(Job job) =>
        AtomicFile.WriteAllText(PathOf(job.Id), JsonSerializer.Serialize(job, JobJson.Default.Job) + "\n");

    public Job? Find(Guid id)
    {
        var path = PathOf(id);
        return File.Exists(path) ? Read(path) : null;
    }

    public IReadOnlyList<Job> All()
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }
        return [.. Directory.EnumerateFiles(directory, "*.json").Select(Read).OfType<Job>()];
    }

    public void Delete(Guid id) => File.Delete(PathOf(id));

    private string PathOf(Guid id) => Path.Combine(directory, id.ToString("D") + ".json");

    private Job? Read(string path)
    {
        try
        {
            var job = JsonSerializer.Deserialize(File.ReadAllText(path), JobJson.Default.Job);
            if (job is null || job.Command.Any(word => word is null) || job.Worker.Length == 0
                || Path.GetFileName(path) != job.Id.ToString("D") + ".json")
            {
                return Skip(path, "it is not a job record");
            }
            return job;
        }
        catch (JsonException e)
        {
            return Skip(path, e.Message.Split(" Path:")[0].TrimEnd('.'));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Skip(path, e.Message.TrimEnd('.'));
        }
    }

    private Job? Skip(string path, string why)
    {
        lock (named)
        {
            if (named.Add(path))
            {
                warnings?.WriteLine($"p: skipping {path} ({why}): fix it, or move it out of {directory}.");
            }
        }
        return null;
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(Job))]
internal sealed partial class JobJson : JsonSerializerContext;
