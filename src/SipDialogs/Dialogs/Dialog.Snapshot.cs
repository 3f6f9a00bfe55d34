using System.Collections.Immutable;
using System.Text;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Dialogs;

/// <summary>
/// The dialog as a value (<see cref="DialogSnapshot"/>): captured for a store, exported from one stack and imported into
/// another, which carries the call on; and every change a replica must see, told to the store in order.
/// </summary>
public sealed partial class Dialog
{
    private ImmutableDictionary<string, string>? _applicationData;
    private bool _exported;

    /// <summary>The session description the peer sent last (its offer or answer, RFC 3264); empty when none.</summary>
    public ReadOnlyMemory<byte> RemoteSessionDescription => Volatile.Read(ref _invite)?.RemoteBody ?? default;

    /// <summary>
    /// The application's data carried with the dialog: it moves with an exported dialog and is replicated by a
    /// replicating store. Keep it small (an account id, a B2BUA's leg name). Readable from any thread.
    /// </summary>
    public IReadOnlyDictionary<string, string> ApplicationData =>
        Volatile.Read(ref _applicationData) ?? ImmutableDictionary<string, string>.Empty;

    /// <summary>Whether the dialog left this stack by <see cref="Hosting.SipStack.ExportDialogAsync"/>: nothing more is sent for it here.</summary>
    public bool IsExported => Volatile.Read(ref _exported);

    /// <summary>Sets (or, with a null value, removes) one entry of <see cref="ApplicationData"/>; the store is told.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, or null to remove the key.</param>
    /// <param name="cancellationToken">Ends the wait, not the change.</param>
    /// <returns>A task that completes when the change is made.</returns>
    public async Task SetApplicationDataAsync(string key, string? value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        _ = await OnShardAsync(static (d, s) => d.SetApplicationData(s.key, s.value), (key, value), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The dialog's state as a value. Only on the dialog's shard, where its state cannot change meanwhile: from
    /// <see cref="IDialogStore.OnChanged"/>. Elsewhere use <see cref="Hosting.SipStack.ExportDialogAsync"/>.
    /// </summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="InvalidOperationException">Called off the dialog's shard.</exception>
    public DialogSnapshot CaptureSnapshot()
    {
        if (_shard is { IsCurrent: false })
        {
            throw new InvalidOperationException("A dialog's snapshot is taken on its shard (from IDialogStore.OnChanged); elsewhere use SipStack.ExportDialogAsync.");
        }

        TimeProvider? clock = _shard?.TimeProvider;
        InviteUsage? invite = _invite;
        return new DialogSnapshot
        {
            CallId = Id.CallId,
            LocalTag = Id.LocalTag,
            RemoteTag = Id.RemoteTag,
            IsUac = IsUac,
            IsSecure = IsSecure,
            LocalUri = _localUri,
            RemoteUri = _remoteUri,
            LocalContact = _localContact,
            RemoteTarget = _remoteTarget,
            RouteSet = _routeSet,
            FirstRouteIsStrict = _firstRouteIsStrict,
            LocalCSeq = LocalCSeq,
            RemoteCSeq = RemoteCSeq,
            Peer = _peer.Address is null ? string.Empty : _peer.ToString(),
            IsSubscriptionOnly = invite is null,
            LocalSessionDescription = invite?.LocalSessionDescription ?? default,
            LocalSessionDescriptionType = invite?.LocalSessionDescriptionType ?? string.Empty,
            RemoteSessionDescription = invite?.RemoteSessionDescription ?? default,
            RemoteSessionDescriptionType = invite?.RemoteSessionDescriptionType ?? string.Empty,
            SessionIntervalSeconds = invite?.SessionIntervalSeconds ?? 0,
            IsSessionRefresher = invite?.WeRefresh ?? false,
            PeerSupportsSessionTimer = invite?.PeerSupportsSessionTimer ?? false,
            PeerAllowsUpdate = invite?.PeerAllowsUpdate ?? false,
            SessionExpiresAt = invite?.SessionExpiresAt,
            Subscriptions = CaptureSubscriptions(clock),
            ApplicationData = ApplicationData,
            DigestClientName = Volatile.Read(ref _digest)?.Name ?? string.Empty,
        };
    }

    /// <summary>
    /// A dialog made from a snapshot, not yet attached: its identifier, URIs, sequence numbers, target, route set and
    /// session state as they were, and <paramref name="localContact"/> (the importing stack's own) as its Contact.
    /// </summary>
    internal static Dialog FromSnapshot(DialogSnapshot snapshot, string localContact)
    {
        var dialog = new Dialog(
            snapshot.Id, snapshot.IsUac, snapshot.IsSecure, DialogState.Confirmed, snapshot.LocalUri, snapshot.RemoteUri, localContact,
            snapshot.RemoteTarget, [.. snapshot.RouteSet], snapshot.FirstRouteIsStrict,
            snapshot.LocalCSeq is uint local ? local : EmptyCSeq, snapshot.RemoteCSeq is uint remote ? remote : EmptyCSeq,
            snapshot.IsSubscriptionOnly ? null : InviteUsage.FromSnapshot(snapshot))
        {
            _applicationData = snapshot.ApplicationData.Count == 0 ? null : snapshot.ApplicationData.ToImmutableDictionary(StringComparer.Ordinal),
        };
        return dialog;
    }

    /// <summary>The peer's address recorded in a snapshot, for a dialog whose route set and target name none.</summary>
    internal static SipEndPoint PeerOf(DialogSnapshot snapshot, SipEndPoint fallback) =>
        SipEndPoint.TryParse(snapshot.Peer, out SipEndPoint? peer) ? peer.Value : fallback;

    /// <summary>
    /// After <see cref="FromSnapshot"/> and <see cref="Attach"/>: the session timer runs on from where it was, and each
    /// subscription is taken up again. On the shard.
    /// </summary>
    internal void ResumeFrom(DialogSnapshot snapshot)
    {
        Shard shard = _shard!;
        DateTimeOffset now = shard.TimeProvider.GetUtcNow();
        _invite?.ResumeFrom(this, snapshot, now);
        if (snapshot.DigestClientName.Length > 0 && _layer!.DigestClients.TryGetValue(snapshot.DigestClientName, out Auth.DigestClient? digest))
        {
            Volatile.Write(ref _digest, digest); // This stack's own credentials of that name: none moved with the dialog.
        }

        foreach (SubscriptionSnapshot subscription in snapshot.Subscriptions)
        {
            TimeSpan left = subscription.ExpiresAt is { } at && at > now ? at - now : TimeSpan.Zero;
            if (subscription.Role == SubscriptionRole.Subscriber)
            {
                var transfer = Transfer.Resume(_layer!, shard, this, subscription, left);
                AddTransfer(transfer);
            }
            else
            {
                var notifier = new ReferNotifier(this, _layer!, shard, subscription.EventId);
                AddSubscription(notifier, announce: false);
                notifier.Resume(subscription.LastStatus, subscription.LastReason, left);
            }

            _layer!.CountSubscription(shard, 1);
        }
    }

    /// <summary>
    /// Takes the dialog off this stack for another to carry on: its snapshot, then the store is told it was exported
    /// and it leaves, its timers stop and its subscriptions end here without a NOTIFY, and nothing more is ever sent for
    /// it here. On the shard.
    /// </summary>
    /// <exception cref="InvalidOperationException">The dialog is not confirmed, or waits for an ACK or an answer.</exception>
    internal DialogSnapshot Export()
    {
        if (_state != DialogState.Confirmed)
        {
            throw new InvalidOperationException($"Only a confirmed dialog can move; this one is {_state}.");
        }

        if (_invite is { IsUnsettled: true })
        {
            throw new InvalidOperationException("The dialog waits for an ACK or for the answer to an offer; export it once that has settled.");
        }

        DialogSnapshot snapshot = CaptureSnapshot();
        Forget();
        return snapshot;
    }

    /// <summary>
    /// The dialog's state as a value, from any thread (posted to its shard): what a replicating store writes back after
    /// its copy was lost. Null once the dialog has ended or left this stack.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The snapshot, or null.</returns>
    public async Task<DialogSnapshot?> CaptureSnapshotAsync(CancellationToken cancellationToken = default)
    {
        if (_shard is null || State == DialogState.Terminated)
        {
            return null;
        }

        return await OnShardAsync(static d => d._state == DialogState.Terminated ? null : d.CaptureSnapshot(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The dialog leaves this stack without ending, whatever it waits for: the store is told it was exported and it
    /// leaves, its timers stop, its subscriptions end here without a NOTIFY, and nothing more is ever sent for it here
    /// (another stack carries it on). On the shard.
    /// </summary>
    internal void Forget()
    {
        Changed(DialogChange.Exported);
        if (_inStore)
        {
            _inStore = false;
            _layer!.Store.Remove(Id);
        }

        Volatile.Write(ref _exported, true);
        SetState(DialogState.Terminated); // Not in the store any more: timers stop and subscriptions end quietly, no BYE.
    }

    /// <summary>Records the session description the peer sent (an offer, or the answer to ours). On the shard.</summary>
    internal void SetRemoteBody(SipMessage message) => _invite?.SetRemoteBody(message);

    /// <summary>Tells the store of a change, while the dialog is in it. On the shard.</summary>
    internal void Changed(DialogChange change)
    {
        if (_inStore)
        {
            _layer!.Store.OnChanged(this, change);
            if (_layer.Metrics is { } metrics)
            {
                CountChange(metrics, change);
            }
        }
    }

    private void CountChange(Diagnostics.SipDialogsMetrics metrics, DialogChange change)
    {
        switch (change)
        {
            case DialogChange.Created or DialogChange.Imported:
                metrics.DialogAdded(confirmed: _state == DialogState.Confirmed);
                break;
            case DialogChange.Confirmed:
                metrics.DialogConfirmed();
                break;
            case DialogChange.Exported:
                metrics.DialogRemoved(confirmed: true);
                break;
        }
    }

    private bool SetApplicationData(string key, string? value)
    {
        ImmutableDictionary<string, string> data = _applicationData ?? ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);
        data = value is null ? data.Remove(key) : data.SetItem(key, value);
        Volatile.Write(ref _applicationData, data.Count == 0 ? null : data);
        Changed(DialogChange.ApplicationDataChanged);
        return true;
    }

    private SubscriptionSnapshot[] CaptureSubscriptions(TimeProvider? clock)
    {
        if (_subscriptions is not { Count: > 0 } usages || clock is null)
        {
            return [];
        }

        // Subscribers first, then notifiers, as the snapshot has always listed them.
        var subscriptions = new SubscriptionSnapshot[usages.Count];
        int i = 0;
        foreach (SubscriptionRole role in (ReadOnlySpan<SubscriptionRole>)[SubscriptionRole.Subscriber, SubscriptionRole.Notifier])
        {
            foreach (ISubscriptionUsage usage in usages)
            {
                if (usage.Role == role)
                {
                    subscriptions[i++] = usage.Capture(clock);
                }
            }
        }

        return subscriptions;
    }
}
