using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// A call moves: a confirmed dialog exported from one stack and imported into another is carried on there, with the
/// peer's in-dialog requests sent to the second stack's address by a caller written by hand.
/// </summary>
public sealed class DialogMoveTests(ITestOutputHelper output)
{
    private const string Answer = "v=0\r\no=bob 2808844564 2808844564 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    private static IPEndPoint UdpOf(SipStack stack) => stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

    private static IncomingCallUas Answering(TaskCompletionSource<Dialog> answered) =>
        new(async (call, ct) => answered.TrySetResult(await call.AnswerAsync(Answer, cancellationToken: ct)));

    [Fact]
    public async Task AnExportedCallIsCarriedOnByAnotherStack()
    {
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var first = new SipStack(Parties.Options(), Answering(answered));
        await using var second = new SipStack(Parties.Options());
        await first.StartAsync();
        await second.StartAsync();
        await using var caller = new RawCaller();

        SipResponse ok = await caller.CallAsync(UdpOf(first));
        Assert.Equal(Answer, Encoding.UTF8.GetString(ok.Body.Span));
        Dialog original = await answered.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !original.IsAwaitingAck, s_timeout, "the ACK arrives");

        // The first stack uses its local CSeq once before the move.
        Task<SipResponse> info = original.InfoAsync("Signal=1", "application/dtmf-relay");
        SipRequest infoReceived = await caller.AnswerNextRequestAsync();
        Assert.Equal(1u, infoReceived.CSeqNumber);
        Assert.Equal(200, (await info.WaitAsync(s_timeout)).StatusCode);
        await original.SetApplicationDataAsync("account", "42");

        DialogSnapshot snapshot = await first.ExportDialogAsync(original);
        Assert.True(original.IsExported);
        Assert.Equal(DialogState.Terminated, original.State);
        Assert.Equal(0, first.DialogCount);
        Assert.Equal(1u, snapshot.LocalCSeq);
        Assert.Equal(1u, snapshot.RemoteCSeq);
        Assert.Equal(RawCaller.Offer, Encoding.UTF8.GetString(snapshot.RemoteSessionDescription.Span));
        Assert.Equal(Answer, Encoding.UTF8.GetString(snapshot.LocalSessionDescription.Span));
        Assert.Equal(2808844564, snapshot.LocalSessionVersion);
        Assert.Equal("42", snapshot.ApplicationData["account"]);

        // Across processes it travels as bytes.
        Dialog moved = await second.ImportDialogAsync(DialogSnapshot.Deserialize(snapshot.Serialize()));
        Assert.Equal(1, second.DialogCount);
        Assert.Equal(DialogState.Confirmed, moved.State);
        Assert.Equal(original.Id, moved.Id);
        Assert.Equal("42", moved.ApplicationData["account"]);
        IPEndPoint to = UdpOf(second);

        string reOffer = RawCaller.Offer.Replace("2890844526 IN", "2890844527 IN", StringComparison.Ordinal);
        SipResponse reInvite = await caller.SendAsync("INVITE", to, reOffer);
        Assert.Equal(200, reInvite.StatusCode);
        Assert.Equal(Answer, Encoding.UTF8.GetString(reInvite.Body.Span)); // This end's description, carried over.
        await caller.AckAsync(caller.CSeq, to);
        await Poll.UntilAsync(() => !moved.IsAwaitingAck, s_timeout, "the ACK of the re-INVITE's 2xx arrives");
        Assert.Equal(reOffer, Encoding.UTF8.GetString(moved.RemoteSessionDescription.Span));

        Assert.Equal(200, (await caller.SendAsync("UPDATE", to)).StatusCode);
        Assert.Equal(200, (await caller.SendAsync("INFO", to)).StatusCode);
        SipResponse stale = await caller.SendAsync("INFO", to, cseq: caller.CSeq - 1);
        Assert.Equal(500, stale.StatusCode); // RFC 3261 §12.2.2: lower than the remote CSeq the first stack had seen grow.
        SipResponse wrongTag = await caller.SendAsync("INFO", to, toTag: "not-" + caller.ToTag);
        Assert.Equal(481, wrongTag.StatusCode);

        // The first stack forgot the call: no request, no BYE on dispose.
        await Assert.ThrowsAsync<InvalidOperationException>(() => original.ByeAsync());
        await original.DisposeAsync();

        Task<SipResponse> bye = moved.ByeAsync();
        (SipRequest byeReceived, IPEndPoint from) = await caller.Socket.ReceiveRequestAsync(s_timeout);
        Assert.Equal("BYE", byeReceived.Method);
        Assert.Equal(to, from); // Not the first stack: it sent nothing since the move.
        Assert.Equal(2u, byeReceived.CSeqNumber); // The next local CSeq after the first stack's INFO.
        Assert.Equal(caller.ToTag, Encoding.ASCII.GetString(byeReceived.FromTag));
        await caller.Socket.SendAsync(SipMessageBuilder.ResponseTo(byeReceived, 200), from);
        Assert.Equal(200, (await bye.WaitAsync(s_timeout)).StatusCode);
        await Parties.AssertFreedAsync(first, second);
    }

    [Fact]
    public async Task TheSerializedFormOfAConfirmedCallIsAFewHundredBytes()
    {
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var first = new SipStack(Parties.Options(), Answering(answered));
        await first.StartAsync();
        await using var caller = new RawCaller();
        await caller.CallAsync(UdpOf(first), "Supported: timer\r\nSession-Expires: 1800;refresher=uac\r\n");
        Dialog dialog = await answered.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !dialog.IsAwaitingAck, s_timeout, "the ACK arrives");

        DialogSnapshot snapshot = await first.ExportDialogAsync(dialog);
        byte[] bytes = snapshot.Serialize();
        int sdp = snapshot.LocalSessionDescription.Length + snapshot.RemoteSessionDescription.Length;
        output.WriteLine($"serialized confirmed dialog: {bytes.Length} B, of which {sdp} B are the two session descriptions");
        Assert.InRange(bytes.Length - sdp, 100, 512);
        await Parties.AssertFreedAsync(first);
    }

    [Fact]
    public async Task TheImportingStackAnswersThePeersByeAndNothingIsLeft()
    {
        await using var call = await AnsweredCall.StartAsync();
        (SipStack first, SipStack second, RawCaller caller, Dialog original) = call;

        Dialog moved = await second.ImportDialogAsync(await first.ExportDialogAsync(original));
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        moved.StateChanged += (_, e) =>
        {
            if (e.State == DialogState.Terminated)
            {
                ended.TrySetResult();
            }
        };

        SipResponse bye = await caller.SendAsync("BYE", UdpOf(second));
        Assert.Equal(200, bye.StatusCode);
        await ended.Task.WaitAsync(s_timeout);
        SipResponse after = await caller.SendAsync("INFO", UdpOf(first));
        Assert.Equal(481, after.StatusCode); // The first stack holds it no more.
        await Parties.AssertFreedAsync(first, second);
    }

    [Fact]
    public async Task TheSessionTimerRunsOnInTheStackThatImportedTheCall()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        SipStackOptions Options()
        {
            SipStackOptions options = Parties.Options();
            options.SessionTimers.Interval = TimeSpan.FromSeconds(90);
            options.SessionTimers.MinimumInterval = TimeSpan.FromSeconds(90);
            return options;
        }

        await using var first = new SipStack(Options(), Answering(answered), timeProvider: time);
        await using var second = new SipStack(Options(), timeProvider: time);
        await first.StartAsync();
        await second.StartAsync();
        await using var caller = new RawCaller();

        // The caller supports timers, asks the callee to refresh (RFC 4028 §9), and takes UPDATE (its Allow says so).
        SipResponse ok = await caller.CallAsync(UdpOf(first), "Supported: timer\r\nSession-Expires: 90;refresher=uas\r\nAllow: INVITE, ACK, CANCEL, BYE, UPDATE\r\n");
        Assert.Contains("refresher=uas", ok.GetHeaderValue(SipHeaderKind.SessionExpires), StringComparison.Ordinal);
        Dialog original = await answered.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !original.IsAwaitingAck, s_timeout, "the ACK arrives");
        Assert.True(original.IsSessionRefresher);

        time.Advance(TimeSpan.FromSeconds(20));
        DialogSnapshot snapshot = await first.ExportDialogAsync(original);
        Assert.Equal(90u, snapshot.SessionIntervalSeconds);
        Assert.True(snapshot.IsSessionRefresher);
        Assert.True(snapshot.PeerAllowsUpdate); // So the importing stack refreshes with UPDATE, not re-INVITE (RFC 4028 §7.4).
        Dialog moved = await second.ImportDialogAsync(snapshot);
        Assert.Equal(TimeSpan.FromSeconds(90), moved.SessionInterval);

        // Half the interval after the last refresh (45 s, 25 s from now), the importing stack refreshes.
        time.Advance(TimeSpan.FromSeconds(24));
        await first.WhenIdleAsync();
        await second.WhenIdleAsync();
        Assert.False(caller.Socket.TryReceive(out SipMessage? early), early is null ? null : RawSipSocket.Describe(early));
        time.Advance(TimeSpan.FromSeconds(2));
        (SipRequest refresh, IPEndPoint from) = await caller.Socket.ReceiveRequestAsync(s_timeout);
        Assert.Equal("UPDATE", refresh.Method);
        Assert.Equal(UdpOf(second), from);
        Assert.Equal(1u, refresh.CSeqNumber);
        Assert.Contains("90", refresh.GetHeaderValue(SipHeaderKind.SessionExpires), StringComparison.Ordinal);
        await caller.Socket.SendAsync(SipMessageBuilder.ResponseTo(refresh, 200).Add(SipHeaderKind.SessionExpires, "90;refresher=uac"), from);

        Assert.Equal(200, (await caller.SendAsync("BYE", UdpOf(second))).StatusCode);
        time.Advance(TimeSpan.FromSeconds(40)); // Lingering transactions end.
        await Parties.AssertFreedAsync(first, second);
    }

    [Fact]
    public async Task ATransferSubscriptionMovesWithItsDialog()
    {
        await using var call = await AnsweredCall.StartAsync();
        (SipStack first, SipStack second, RawCaller caller, Dialog original) = call;

        // The callee refers the caller elsewhere; the caller accepts and reports 100 Trying.
        Task<Transfer> referring = original.ReferAsync("sip:carol@127.0.0.1:9");
        (SipRequest refer, IPEndPoint from) = await caller.Socket.ReceiveRequestAsync(s_timeout);
        Assert.Equal("REFER", refer.Method);
        await caller.Socket.SendAsync(SipMessageBuilder.ResponseTo(refer, 202), from);
        Transfer transfer = await referring.WaitAsync(s_timeout);
        string eventHeader = "Event: refer;id=" + refer.CSeqNumber + "\r\n";
        SipResponse notified = await caller.SendAsync(
            "NOTIFY", UdpOf(first), "SIP/2.0 100 Trying\r\n", extraHeaders: eventHeader + "Subscription-State: active;expires=60\r\n",
            contentType: "message/sipfrag;version=2.0");
        Assert.Equal(200, notified.StatusCode);
        Assert.Equal(1, first.SubscriptionCount);

        DialogSnapshot snapshot = await first.ExportDialogAsync(original);
        SubscriptionSnapshot subscription = Assert.Single(snapshot.Subscriptions);
        Assert.Equal(SubscriptionRole.Subscriber, subscription.Role);
        Assert.Equal(100, subscription.LastStatus);
        Assert.Equal(refer.CSeqNumber, subscription.EventId);
        Assert.Equal("sip:carol@127.0.0.1:9", subscription.ReferTo);
        Assert.NotNull(subscription.ExpiresAt);
        Assert.Equal(0, first.SubscriptionCount);
        TransferOutcome left = await transfer.Completion.WaitAsync(s_timeout);
        Assert.Equal(TransferResult.Unknown, left.Result); // On the first stack, the transfer ends without an outcome.

        Dialog moved = await second.ImportDialogAsync(snapshot);
        Assert.Equal(1, second.SubscriptionCount);
        Assert.Equal(1, moved.SubscriptionCount);
        SipResponse final = await caller.SendAsync(
            "NOTIFY", UdpOf(second), "SIP/2.0 200 OK\r\n",
            extraHeaders: eventHeader + "Subscription-State: terminated;reason=noresource\r\n", contentType: "message/sipfrag;version=2.0");
        Assert.Equal(200, final.StatusCode);
        await Poll.UntilAsync(() => second.SubscriptionCount == 0, s_timeout, "the moved subscription ends on its final NOTIFY");
        Assert.Equal(200, (await caller.SendAsync("BYE", UdpOf(second))).StatusCode);
        await Parties.AssertFreedAsync(first, second);
    }

    [Fact]
    public async Task ADialogThatWaitsForItsAckCannotBeExportedYet()
    {
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var first = new SipStack(Parties.Options(), Answering(answered));
        await first.StartAsync();
        await using var peer = new RawSipSocket();
        await peer.SendAsync(
            "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + peer.Port + ";branch=z9hG4bKnoack\r\nMax-Forwards: 70\r\n" +
            "From: <sip:alice@127.0.0.1>;tag=na\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: no-ack-" + Guid.NewGuid().ToString("N") + "\r\n" +
            "CSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:" + peer.Port + ">\r\nContent-Length: 0\r\n\r\n",
            UdpOf(first));
        Dialog dialog = await answered.Task.WaitAsync(s_timeout);
        Assert.True(dialog.IsAwaitingAck);
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => first.ExportDialogAsync(dialog));
        Assert.Contains("ACK", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, first.DialogCount);
        await using var other = new SipStack(Parties.Options());
        await Assert.ThrowsAsync<ArgumentException>(() => other.ExportDialogAsync(dialog));
    }

    [Fact]
    public async Task ImportingADialogHeldAlreadyIsRefused()
    {
        await using var call = await AnsweredCall.StartAsync();
        (SipStack first, _, RawCaller caller, Dialog original) = call;

        DialogSnapshot snapshot = await first.ExportDialogAsync(original);
        Dialog back = await first.ImportDialogAsync(snapshot);
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => first.ImportDialogAsync(snapshot));
        Assert.Contains("held here already", refused.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await caller.SendAsync("BYE", UdpOf(first))).StatusCode);
        Assert.Equal(DialogState.Terminated, back.State);
        await Parties.AssertFreedAsync(first);
    }

    [Fact]
    public async Task TheStoreIsToldOfEveryChangeInOrder()
    {
        var shelf = new SnapshotShelf();
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var first = new SipStack(Parties.Options(), Answering(answered), dialogStore: shelf.Replicating);
        await first.StartAsync();
        await using var caller = new RawCaller();
        await caller.CallAsync(UdpOf(first));
        Dialog dialog = await answered.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !dialog.IsAwaitingAck, s_timeout, "the ACK arrives");
        Assert.Equal(200, (await caller.SendAsync("INFO", UdpOf(first))).StatusCode);
        Task<SipResponse> info = dialog.InfoAsync("x");
        await caller.AnswerNextRequestAsync();
        await info.WaitAsync(s_timeout);
        Assert.Equal(200, (await caller.SendAsync("BYE", UdpOf(first))).StatusCode);
        await Parties.AssertFreedAsync(first);

        DialogChange[] changes = shelf.ChangesOf(dialog.Id);
        Assert.Equal(DialogChange.Created, changes[0]);
        Assert.Equal(DialogChange.Terminated, changes[^1]);
        // A UAS's dialog is made by its 2xx, so it is created confirmed (RFC 3261 §12.1.1); the INFO each way, then the BYE.
        AssertInOrder(changes, DialogChange.Created, DialogChange.RemoteCSeqChanged, DialogChange.LocalCSeqUsed,
            DialogChange.RemoteCSeqChanged, DialogChange.Terminated);
        Assert.Contains(DialogChange.SessionRefreshed, changes);
        Assert.False(shelf.Holds(dialog.Id)); // Terminated: a replica forgets it.
    }

    [Fact]
    public async Task ARequestForADialogTheStoreFindsElsewhereIsAnsweredOnceImported()
    {
        // Two stacks share one shelf of serialized dialogs, as two nodes share Redis: the first writes each change, the
        // second finds there (later, off the shard) the dialog a request names that it does not hold.
        var shelf = new SnapshotShelf();
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var first = new SipStack(Parties.Options(), Answering(answered), dialogStore: shelf.Replicating);
        await using var second = new SipStack(Parties.Options(), dialogStore: shelf.Replicating);
        await first.StartAsync();
        await second.StartAsync();
        await using var caller = new RawCaller();
        await caller.CallAsync(UdpOf(first));
        Dialog original = await answered.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !original.IsAwaitingAck, s_timeout, "the ACK arrives");
        await Poll.UntilAsync(() => shelf.Holds(original.Id), s_timeout, "the shelf holds the confirmed dialog");

        Assert.Equal(0, second.DialogCount);
        SipResponse info = await caller.SendAsync("INFO", UdpOf(second));
        Assert.Equal(200, info.StatusCode);
        Assert.Equal(1, second.DialogCount);
        Assert.Equal(1, shelf.Lookups);

        SipResponse unknown = await caller.SendAsync("INFO", UdpOf(second), toTag: "nobody");
        Assert.Equal(481, unknown.StatusCode); // Nowhere: RFC 3261 §12.2.2.
        Assert.Equal(200, (await caller.SendAsync("BYE", UdpOf(second))).StatusCode);
        Assert.False(shelf.Holds(original.Id));
        await first.ExportDialogAsync(original); // The first stack lets go of its stale copy without a word.
        await Parties.AssertFreedAsync(first, second);
    }

    /// <summary>Two stacks and a raw caller whose call the first stack answered and the caller acknowledged.</summary>
    private sealed class AnsweredCall : IAsyncDisposable
    {
        private AnsweredCall(SipStack first, SipStack second, RawCaller caller, Dialog dialog)
        {
            First = first;
            Second = second;
            Caller = caller;
            Dialog = dialog;
        }

        public SipStack First { get; }

        public SipStack Second { get; }

        public RawCaller Caller { get; }

        public Dialog Dialog { get; }

        public static async Task<AnsweredCall> StartAsync()
        {
            var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
            var first = new SipStack(Parties.Options(), Answering(answered));
            var second = new SipStack(Parties.Options());
            await first.StartAsync();
            await second.StartAsync();
            var caller = new RawCaller();
            await caller.CallAsync(UdpOf(first));
            Dialog dialog = await answered.Task.WaitAsync(s_timeout);
            await Poll.UntilAsync(() => !dialog.IsAwaitingAck, s_timeout, "the ACK arrives");
            return new AnsweredCall(first, second, caller, dialog);
        }

        public void Deconstruct(out SipStack first, out SipStack second, out RawCaller caller, out Dialog dialog) =>
            (first, second, caller, dialog) = (First, Second, Caller, Dialog);

        public async ValueTask DisposeAsync()
        {
            await Caller.DisposeAsync();
            await First.DisposeAsync();
            await Second.DisposeAsync();
        }
    }

    private static void AssertInOrder(DialogChange[] changes, params DialogChange[] expected)
    {
        int at = 0;
        foreach (DialogChange change in changes)
        {
            if (at < expected.Length && change == expected[at])
            {
                at++;
            }
        }

        Assert.True(at == expected.Length, $"Expected {string.Join(", ", expected)} in that order within {string.Join(", ", changes)}.");
    }

    /// <summary>
    /// A replicating store of serialized dialogs in memory, shared by stacks as nodes share Redis: each change is written
    /// as the dialog's snapshot bytes, and a miss is looked up on the thread pool, as a network round trip would be.
    /// </summary>
    private sealed class SnapshotShelf
    {
        private readonly ConcurrentDictionary<DialogId, byte[]> _dialogs = new();
        private readonly ConcurrentDictionary<DialogId, ConcurrentQueue<DialogChange>> _changes = new();
        private int _lookups;

        public int Lookups => Volatile.Read(ref _lookups);

        public IDialogStore Replicating(IDialogStore inMemory) => new Store(this, inMemory);

        public bool Holds(DialogId id) => _dialogs.ContainsKey(id);

        public DialogChange[] ChangesOf(DialogId id) => _changes.TryGetValue(id, out ConcurrentQueue<DialogChange>? changes) ? [.. changes] : [];

        private sealed class Store(SnapshotShelf shelf, IDialogStore inner) : IDialogStore
        {
            public int Count => inner.Count;

            public bool TryAdd(Dialog dialog) => inner.TryAdd(dialog);

            public bool TryGet(in DialogId id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Dialog? dialog) => inner.TryGet(id, out dialog);

            public bool TryGet(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Dialog? dialog) =>
                inner.TryGet(callId, localTag, remoteTag, out dialog);

            public int GetByCallId(ReadOnlySpan<byte> callId, List<Dialog> into) => inner.GetByCallId(callId, into);

            public bool Remove(in DialogId id) => inner.Remove(id);

            public bool TryFindMissing(in DialogId id, out ValueTask<DialogSnapshot?> pending)
            {
                pending = FindAsync(id);
                return true;
            }

            public void OnChanged(Dialog dialog, DialogChange change)
            {
                shelf._changes.GetOrAdd(dialog.Id, _ => new ConcurrentQueue<DialogChange>()).Enqueue(change);
                switch (change)
                {
                    case DialogChange.Terminated:
                        shelf._dialogs.TryRemove(dialog.Id, out _);
                        break;
                    case DialogChange.Exported:
                        break; // Carried on elsewhere: the record stays.
                    default:
                        if (dialog.State == DialogState.Confirmed)
                        {
                            shelf._dialogs[dialog.Id] = dialog.CaptureSnapshot().Serialize();
                        }

                        break;
                }
            }

            private async ValueTask<DialogSnapshot?> FindAsync(DialogId id)
            {
                await Task.Yield(); // Off the shard, as a round trip to another process would be.
                Interlocked.Increment(ref shelf._lookups);
                return shelf._dialogs.TryGetValue(id, out byte[]? bytes) ? DialogSnapshot.Deserialize(bytes) : null;
            }
        }
    }
}
