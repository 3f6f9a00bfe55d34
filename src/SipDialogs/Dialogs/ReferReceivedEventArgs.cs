using SipDialogs.Messages;
using SipDialogs.Transactions;

namespace SipDialogs.Dialogs;

/// <summary>
/// A REFER received (RFC 3515), in a dialog or outside one, for the application to accept or decline. Accepting
/// answers 202 and hands the rest to the stack: it calls the Refer-To target (with Referred-By, RFC 3892, and any
/// Replaces the Refer-To carries, RFC 3891) and reports the call's progress by NOTIFY until its final response.
/// </summary>
/// <remarks>
/// When the handler returns without answering (and without <see cref="Defer"/>), the stack answers as
/// <see cref="TransferOptions.AcceptReferrals"/> says: accept, or decline 603.
/// </remarks>
public sealed class ReferReceivedEventArgs : DialogEventArgs
{
    private readonly ServerTransaction _transaction;
    private int _deferred;

    internal ReferReceivedEventArgs(Dialog dialog, ServerTransaction transaction, ReferToHeader referTo, SipUri target, bool inDialog)
        : base(dialog)
    {
        _transaction = transaction;
        Request = transaction.Request;
        ReferTo = referTo;
        Target = target;
        IsInDialog = inDialog;
        ReferredBy = Request.ReferredBy;
        referTo.TryGetReplaces(out ReplacesHeader? replaces, out _);
        Replaces = replaces;
        WantsSubscription = !string.Equals(Request.GetHeaderValue(SipHeaderKind.ReferSub)?.Trim(), "false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The REFER. Its headers may be read from any thread, also after the answer: the stack never changes it.</summary>
    public SipRequest Request { get; }

    /// <summary>The Refer-To header: where the transferee is asked to call (RFC 3515 §2.1).</summary>
    public ReferToHeader ReferTo { get; }

    /// <summary>The Referred-By header (RFC 3892), copied into the INVITE the stack sends; null when absent.</summary>
    public ReferredByHeader? ReferredBy { get; }

    /// <summary>The Replaces embedded in the Refer-To URI (an attended transfer, RFC 3891 §5); null when none.</summary>
    public ReplacesHeader? Replaces { get; }

    /// <summary>False when the REFER carries <c>Refer-Sub: false</c> (RFC 4488): accepting it makes no subscription.</summary>
    public bool WantsSubscription { get; }

    /// <summary>True when the REFER came in an existing dialog; false when it came outside one and <see cref="DialogEventArgs.Dialog"/> is the dialog its 202 makes.</summary>
    public bool IsInDialog { get; }

    /// <summary>The Refer-To URI.</summary>
    internal SipUri Target { get; }

    internal ServerTransaction Transaction => _transaction;

    internal bool IsDeferred => Volatile.Read(ref _deferred) != 0;

    /// <summary>Says the handler answers later: the stack does not answer when the handler returns.</summary>
    public void Defer() => Volatile.Write(ref _deferred, 1);

    /// <summary>
    /// Accepts the REFER: 202 Accepted, the implicit subscription with its first NOTIFY (100 Trying), then the call to the
    /// Refer-To target, whose provisional and final responses the stack reports by NOTIFY. Any thread.
    /// </summary>
    /// <param name="options">The new call's options; by default From is this dialog's local URI and the offer this end's last
    /// session description. Referred-By and the Refer-To URI's headers (Replaces) are added to it.</param>
    /// <param name="cancellationToken">Ends the wait, not the acceptance.</param>
    /// <returns>The call placed, or null when it could not be placed (the last NOTIFY then says 503).</returns>
    /// <exception cref="InvalidOperationException">The REFER was answered already.</exception>
    public async Task<OutgoingCall?> AcceptAsync(InviteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ReferNotifier? notifier = await _transaction.Shard.RunAsync(static a => a.Dialog.AcceptRefer(a), this, cancellationToken).ConfigureAwait(false);
        return await ReferredCall.PlaceAsync(Dialog, this, notifier, options).ConfigureAwait(false);
    }

    /// <summary>
    /// Accepts the REFER as <see cref="AcceptAsync"/> does, but places the call at <paramref name="requestUri"/> (where a
    /// B2BUA routes the Refer-To target) instead of the Refer-To URI itself; the URI's headers still go into the INVITE.
    /// </summary>
    internal async Task<OutgoingCall?> AcceptAtAsync(string requestUri, InviteOptions options)
    {
        ReferNotifier? notifier = await _transaction.Shard.RunAsync(static a => a.Dialog.AcceptRefer(a), this, CancellationToken.None).ConfigureAwait(false);
        return await ReferredCall.PlaceAsync(Dialog, this, notifier, options, requestUri).ConfigureAwait(false);
    }

    /// <summary>Declines the REFER with a final status (603 Declined by default; 403 Forbidden for one not allowed). Any thread.</summary>
    /// <param name="statusCode">300–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's when null.</param>
    /// <param name="cancellationToken">Ends the wait, not the answer.</param>
    /// <returns>False when the REFER was answered already.</returns>
    public ValueTask<bool> RejectAsync(int statusCode = 603, string? reasonPhrase = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 300);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 699);
        return _transaction.Shard.RunAsync(
            static s => Dialog.RespondToRefer(s.Args._transaction, s.statusCode, s.reasonPhrase),
            (Args: this, statusCode, reasonPhrase),
            cancellationToken);
    }
}
