using System.Runtime.InteropServices;

namespace P.Cli;

/// <summary>
/// Where SIGINT, SIGTERM and SIGHUP go. By default SIGINT cancels the command
/// and the others end p; a command that streams a job takes them over while
/// it runs, to pass them on to the job.
/// </summary>
internal sealed class SignalHub
{
    private Action<PosixSignal>? handler;

    /// <summary>Routes the signals to <paramref name="onSignal"/> until the result is disposed.</summary>
    public IDisposable TakeOver(Action<PosixSignal> onSignal)
    {
        handler = onSignal;
        return new Release(this);
    }

    /// <summary>Delivers a signal; false when nobody took the signals over.</summary>
    public bool Raise(PosixSignal signal)
    {
        if (handler is not { } current)
        {
            return false;
        }
        current(signal);
        return true;
    }

    private sealed class Release(SignalHub hub) : IDisposable
    {
        public void Dispose() => hub.handler = null;
    }
}
