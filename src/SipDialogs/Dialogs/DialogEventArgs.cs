using SipDialogs.Messages;
using SipDialogs.Transactions;

namespace SipDialogs.Dialogs;

/// <summary>What every dialog event carries: the dialog it is about.</summary>
public abstract class DialogEventArgs : EventArgs
{
    private protected DialogEventArgs(Dialog dialog) => Dialog = dialog;

    /// <summary>The dialog.</summary>
    public Dialog Dialog { get; }
}

/// <summary>A dialog moved from one state to another (RFC 3261 §12).</summary>
public sealed class DialogStateChangedEventArgs : DialogEventArgs
{
    internal DialogStateChangedEventArgs(Dialog dialog, DialogState previous, DialogState state)
        : base(dialog)
    {
        Previous = previous;
        State = state;
    }

    /// <summary>The state before.</summary>
    public DialogState Previous { get; }

    /// <summary>The state after.</summary>
    public DialogState State { get; }
}

/// <summary>
/// A request received within a dialog (a re-INVITE, UPDATE, INFO, OPTIONS, …), to be answered with
/// <see cref="AcceptAsync"/> or <see cref="RespondAsync"/>, from the handler or, after <see cref="Defer"/>, later.
/// </summary>
public sealed class DialogRequestEventArgs : DialogEventArgs
{
    private readonly ServerTransaction _transaction;
    private int _deferred;

    internal DialogRequestEventArgs(Dialog dialog, ServerTransaction transaction)
        : base(dialog)
    {
        _transaction = transaction;
        Request = transaction.Request;
        Method = Request.Method;
        Body = Request.Body;
    }

    /// <summary>The request. Its headers may be read from any thread, also after the answer: the stack never changes it.</summary>
    public SipRequest Request { get; }

    /// <summary>The request's method.</summary>
    public string Method { get; }

    /// <summary>The request's body: for a re-INVITE or UPDATE with one, the peer's offer (RFC 3264).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    internal ServerTransaction Transaction => _transaction;

    internal bool IsDeferred => Volatile.Read(ref _deferred) != 0;

    /// <summary>Says the handler answers later: the stack does not answer when the handler returns.</summary>
    public void Defer() => Volatile.Write(ref _deferred, 1);

    /// <summary>
    /// Answers 200, with <paramref name="body"/> as this end's answer to an offer; a 2xx to a re-INVITE is
    /// retransmitted until its ACK (RFC 3261 §13.3.1.4). Any thread.
    /// </summary>
    /// <param name="body">The answer, or null for none.</param>
    /// <param name="contentType">The body's type.</param>
    /// <param name="cancellationToken">Ends the wait, not the answer.</param>
    /// <returns>False when the request was answered already.</returns>
    public ValueTask<bool> AcceptAsync(string? body = null, string contentType = "application/sdp", CancellationToken cancellationToken = default) =>
        _transaction.Shard.RunAsync(
            static s => s.Args.Dialog.AcceptRequest(s.Args._transaction, s.body, s.contentType),
            (Args: this, body, contentType),
            cancellationToken);

    /// <summary>Answers with a status and no body, e.g. 488 Not Acceptable Here to an offer, or 200. Any thread.</summary>
    /// <param name="statusCode">200–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's when null.</param>
    /// <param name="cancellationToken">Ends the wait, not the answer.</param>
    /// <returns>False when the request was answered already.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The status is not final.</exception>
    public ValueTask<bool> RespondAsync(int statusCode, string? reasonPhrase = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 699);
        return _transaction.Shard.RunAsync(
            static s => s.Args.Dialog.RespondToRequest(s.Args._transaction, s.statusCode, s.reasonPhrase),
            (Args: this, statusCode, reasonPhrase),
            cancellationToken);
    }
}
