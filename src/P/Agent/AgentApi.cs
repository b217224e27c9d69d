using System.Security.Cryptography;
using System.Text;
using P.Core;

namespace P.Agent;

/// <summary>The agent's verbs, typed. One method is one round trip.</summary>
internal sealed class AgentApi(AgentClient client)
{
    public string WorkerName => client.WorkerName;

    /// <summary>Creates the job's directories; returns the previous work dir of the same source, if any.</summary>
    public async Task<string?> PrepareAsync(Guid id, string source, CancellationToken ct)
    {
        var payload = await client.CallAsync("prepare", [Id(id), BasisKey(source)], ct);
        return payload.Split('\n')
            .Where(l => l.StartsWith("basis ", StringComparison.Ordinal))
            .Select(l => l[6..].Trim())
            .FirstOrDefault();
    }

    public Task StartAsync(Job job, CancellationToken ct)
    {
        var display = CommandText.Display(job.Command);
        var label = $"{job.SessionName} {job.Worker} {CommandText.Truncate(display, 40)}";
        return client.CallAsync("start", [Id(job.Id), job.Worker, job.Cwd, display, label, .. job.Command], ct);
    }

    public async Task<IReadOnlyList<AgentJobState>> StatusAsync(IEnumerable<Guid> ids, CancellationToken ct) =>
        AgentJobState.ParseAll(await client.CallAsync("status", [.. ids.Select(Id)], ct));

    public async Task<AgentJobState> StatusAsync(Guid id, CancellationToken ct) =>
        (await StatusAsync([id], ct)).Single();

    public Task CloseAsync(Guid id, CancellationToken ct) => client.CallAsync("close", [Id(id)], ct);

    public Task FollowLogAsync(Guid id, Stream sink, CancellationToken ct) =>
        client.StreamAsync("logs", [Id(id), "follow"], sink, ct);

    public static IReadOnlyList<string> AttachArgv(Guid id) => AgentClient.TerminalArgv("attach", Id(id));

    private static string Id(Guid id) => id.ToString("D");

    /// <summary>Names a client directory on a worker without revealing its path: this host and the path, hashed.</summary>
    private static string BasisKey(string source) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Environment.MachineName + "\0" + source)))[..32];
}
