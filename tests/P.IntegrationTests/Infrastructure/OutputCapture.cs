using System.Text;

namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// Drains one redirected stream in the background. Text read so far stays
/// readable, so a timed-out run can still report what it printed.
/// </summary>
internal sealed class OutputCapture
{
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();

    public OutputCapture(StreamReader reader)
    {
        // Task.Run keeps the pump off any test synchronisation context, so
        // callers may block on it without deadlocking.
        Completion = Task.Run(() => PumpAsync(reader));
    }

    /// <summary>Completes at end of file: when every process holding the pipe has closed it.</summary>
    public Task Completion { get; }

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }

    private async Task PumpAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_lock)
            {
                _text.Append(buffer, 0, read);
            }
        }
    }
}
