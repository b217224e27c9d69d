using System.Text.Json;
using System.Text.Json.Serialization;
using P.Core;

namespace P.Store;

/// <summary>One JSON file per job under the data directory, each written atomically.</summary>
internal sealed class JobStore(string directory)
{
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

    // A record another p is replacing at this instant, or one hand-edited into
    // garbage, is skipped rather than failing every listing.
    private static Job? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), JobJson.Default.Job);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Job))]
internal sealed partial class JobJson : JsonSerializerContext;
