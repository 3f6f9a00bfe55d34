using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// Requests for dialogs held here or found through the store's miss path, and dialogs moving between stacks as values
/// (<see cref="DialogSnapshot"/>).
/// </summary>
internal sealed partial class DialogLayer
{
    /// <summary>
    /// Where a request with a To tag that matches no dialog goes once the store has looked elsewhere and found nothing:
    /// the stack's dispatch of requests outside any dialog (481 by default, RFC 3261 §12.2.2). Set once at start-up.
    /// </summary>
    public Action<ServerTransaction>? Unmatched { get; set; }

    /// <summary>
    /// A request inside a dialog (its To has a tag): a dialog of the store answers it, or the store's miss path looks for
    /// the dialog elsewhere and takes the request (answered once the lookup ends, on the shard). False when no dialog
    /// matches and the store knows at once there is none; the application's handler then sees it.
    /// </summary>
    public bool TryHandleInDialog(ServerTransaction transaction)
    {
        SipRequest request = transaction.Request;
        if (request.ToTag.IsEmpty)
        {
            return false;
        }

        if (Store.TryGet(request.CallIdBytes, request.ToTag, request.FromTag, out Dialog? dialog))
        {
            dialog.OnRequest(transaction);
            return true;
        }

        if (!Store.TryFindMissing(new DialogId(request.CallIdBytes, request.ToTag, request.FromTag), out ValueTask<DialogSnapshot?> pending))
        {
            return false;
        }

        _ = ContinueWhenFoundAsync(pending, transaction, Shard.Current!);
        return true;
    }

    /// <summary>
    /// Makes a running dialog of a snapshot on this stack (on the shard of its Call-ID): it joins the store, its session
    /// timer and subscriptions run on, and the peer's next request finds it.
    /// </summary>
    /// <exception cref="InvalidOperationException">A dialog with its identifier is held already, or no transport serves its peer.</exception>
    public Dialog Import(DialogSnapshot snapshot, Shard shard, DialogChange change)
    {
        if (Store.TryGet(snapshot.Id, out _))
        {
            throw new InvalidOperationException($"A dialog with the identifier of the {snapshot} is held here already.");
        }

        SipEndPoint? fallback = GetLocalEndPoint(SipTransportProtocol.Udp) is { } udp ? udp : null;
        SipEndPoint peer = Dialog.PeerOf(snapshot, fallback ?? default);
        SipEndPoint local = GetLocalEndPoint(peer.Address is null ? SipTransportProtocol.Udp : peer.Protocol)
            ?? throw new InvalidOperationException($"The {snapshot} was reached over {peer.Protocol}, which this stack does not listen on.");
        var dialog = Dialog.FromSnapshot(snapshot, LocalContact(local));
        if (!dialog.Attach(this, shard, peer.Address is null ? local : peer, store: true, change))
        {
            throw new InvalidOperationException($"The store refused the {snapshot}.");
        }

        dialog.ResumeFrom(snapshot);
        return dialog;
    }

    /// <summary>The store's lookup ended: the request goes to the dialog found, or to <see cref="Unmatched"/>. Back on the shard.</summary>
    private async Task ContinueWhenFoundAsync(ValueTask<DialogSnapshot?> pending, ServerTransaction transaction, Shard shard)
    {
        DialogSnapshot? snapshot = null;
        bool failed = false;
        try
        {
            snapshot = await pending.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A store that fails is logged and the request answered; the stack carries on.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            failed = true;
            DialogLog.StoreLookupFailed(_logger, exception);
        }

        if (shard.IsCurrent)
        {
            Resume(transaction, snapshot, failed);
            return;
        }

        try
        {
            shard.Post(static state =>
            {
                var (layer, transaction, snapshot, failed) = ((DialogLayer, ServerTransaction, DialogSnapshot?, bool))state!;
                layer.Resume(transaction, snapshot, failed);
            }, (this, transaction, snapshot, failed));
        }
        catch (ObjectDisposedException)
        {
            // The stack stopped meanwhile; its transactions went with it.
        }
    }

    private void Resume(ServerTransaction transaction, DialogSnapshot? snapshot, bool failed)
    {
        if (transaction.LastStatusCode >= 200 || transaction.State == TransactionState.Terminated)
        {
            return;
        }

        SipRequest request = transaction.Request;
        if (failed)
        {
            // The dialog may well live on elsewhere: a 481 would end the call at the peer; ask it to try again instead.
            transaction.Respond(transaction.CreateResponse(503, "Dialog Store Unavailable").Add(SipHeaderKind.RetryAfter, "1"));
            return;
        }

        // Another request of the same dialog may have brought it in while this one waited.
        if (Store.TryGet(request.CallIdBytes, request.ToTag, request.FromTag, out Dialog? dialog))
        {
            dialog.OnRequest(transaction);
            return;
        }

        if (snapshot is not null)
        {
            try
            {
                Import(snapshot, Shard.Current!, DialogChange.Imported).OnRequest(transaction);
                return;
            }
            catch (InvalidOperationException exception)
            {
                DialogLog.StoreLookupFailed(_logger, exception);
            }
        }

        if (Unmatched is { } unmatched)
        {
            unmatched(transaction);
        }
        else
        {
            transaction.Respond(transaction.CreateResponse(481)); // RFC 3261 §12.2.2
        }
    }
}
