using System.Collections.Concurrent;
using SipDialogs.Dialogs;

namespace SipDialogs.Server;

/// <summary>
/// The calls serve holds: those being set up (an INVITE not yet answered) and the answered dialogs not yet ended. The
/// drain waits on it until none is left, and ends with BYE those still up when its time is over. Any thread.
/// </summary>
internal sealed class LiveCalls
{
    private readonly ConcurrentDictionary<Dialog, byte> _dialogs = new();
    private readonly object _gate = new();
    private TaskCompletionSource? _empty;
    private int _settingUp;
    private int _held;

    /// <summary>Calls held now: being set up or answered.</summary>
    public int Count => Volatile.Read(ref _held) + Volatile.Read(ref _settingUp); // ConcurrentDictionary.Count takes every lock.

    /// <summary>The answered calls still up.</summary>
    public ICollection<Dialog> Dialogs => _dialogs.Keys;

    /// <summary>An INVITE is being answered; <see cref="SetupEnded"/> follows.</summary>
    public void SetupStarted() => Interlocked.Increment(ref _settingUp);

    /// <summary>The INVITE was answered (its dialog added first) or refused.</summary>
    public void SetupEnded()
    {
        Interlocked.Decrement(ref _settingUp);
        SignalIfEmpty();
    }

    /// <summary>Holds an answered call until its dialog ends (at once when it has ended already).</summary>
    /// <param name="dialog">The call's dialog.</param>
    public void Add(Dialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        if (_dialogs.TryAdd(dialog, 0))
        {
            Interlocked.Increment(ref _held);
        }

        dialog.StateChanged += (sender, e) =>
        {
            if (e.State == DialogState.Terminated && sender is Dialog ended)
            {
                Remove(ended);
            }
        };
        if (dialog.State == DialogState.Terminated)
        {
            Remove(dialog); // Ended before the handler was on: its event may have gone by.
        }
    }

    private void Remove(Dialog dialog)
    {
        if (_dialogs.TryRemove(dialog, out _))
        {
            Interlocked.Decrement(ref _held);
            SignalIfEmpty();
        }
    }

    /// <summary>Completes once no call is held (at once when none is).</summary>
    /// <returns>The wait.</returns>
    public Task WhenEmptyAsync()
    {
        lock (_gate)
        {
            _empty ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        SignalIfEmpty();
        return _empty.Task;
    }

    private void SignalIfEmpty()
    {
        if (Volatile.Read(ref _empty) is null || Count != 0)
        {
            return;
        }

        TaskCompletionSource? empty;
        lock (_gate)
        {
            empty = _empty;
        }

        empty?.TrySetResult();
    }
}
