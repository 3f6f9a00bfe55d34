using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Coyote.Tests.Dialogs;

/// <summary>
/// A dialog exported while a request for it arrives: the request is taken either by the dialog before it leaves (and
/// the snapshot carries its CSeq) or, once it has left, by the stack's handler, never by both and never lost; and the
/// store hears nothing of the dialog after it was told it left.
/// </summary>
public class DialogExportTests
{
    [Fact]
    public void ADialogExportedWhileARequestForItArrivesTakesItBeforeOrLeavesItToTheHandler()
    {
        Exploration.Run(static async () =>
        {
            var options = new SipStackOptions();
            options.Listen.Add("udp:127.0.0.1:0");
            options.Shards.ShardCount = 2;
            var handler = new CountingHandler();
            var store = new RecordingStore();
            // A clock that moves only when told: no timer thread outside Coyote's control fires during the scenario.
            var stack = new SipStack(options, handler, timeProvider: new FakeTimeProvider(), dialogStore: store.Wrap);
            await stack.StartAsync();
            SipEndPoint local = stack.LocalEndPoints.Single(static e => e.Protocol == SipTransportProtocol.Udp);

            Dialog dialog = await stack.ImportDialogAsync(new DialogSnapshot
            {
                CallId = "moving@127.0.0.1", LocalTag = "b1", RemoteTag = "a1",
                LocalUri = "<sip:bob@127.0.0.1>", RemoteUri = "<sip:alice@127.0.0.1>", LocalContact = "<sip:bob@127.0.0.1>",
                RemoteTarget = "sip:alice@127.0.0.1:9", RemoteCSeq = 1, Peer = "udp:127.0.0.1:9",
            });

            SipRequest info = Parse(
                "INFO sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKinfo2\r\nMax-Forwards: 70\r\n" +
                "From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>;tag=b1\r\nCall-ID: moving@127.0.0.1\r\n" +
                "CSeq: 2 INFO\r\nContent-Length: 0\r\n\r\n");
            var inbound = new InboundMessage(info, new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 9)), local, 0);

            Task<DialogSnapshot> exporting = Task.Run(() => stack.ExportDialogAsync(dialog));
            Task arriving = Task.Run(() => ((ISipMessageSink)stack).OnMessage(inbound));
            await arriving;
            DialogSnapshot snapshot = await exporting;
            await handler.WhenSeenOrTakenAsync(store);

            bool takenByDialog = store.Changes.Contains(DialogChange.RemoteCSeqChanged);
            Assert.Equal(takenByDialog ? 2u : 1u, snapshot.RemoteCSeq);
            Assert.Equal(takenByDialog ? 0 : 1, handler.Seen);
            Assert.Equal(DialogChange.Exported, store.Changes.Last());
            Assert.Equal(0, stack.DialogCount);
            Assert.True(dialog.IsExported);

            Task disposing = stack.DisposeAsync().AsTask();
            await Exploration.WhenCompletedOutsideCoyoteAsync(disposing);
        }, iterations: 100);
    }

    private static SipRequest Parse(string text)
    {
        Assert.True(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text), out SipMessage? message, out SipParseError error), error.ToString());
        return (SipRequest)message!;
    }

    /// <summary>Counts the requests the stack hands to the application, and answers each 481 as the default would.</summary>
    private sealed class CountingHandler : ISipRequestHandler
    {
        private int _seen;

        public int Seen => Volatile.Read(ref _seen);

        public void OnRequest(SipServerRequest request)
        {
            Interlocked.Increment(ref _seen);
            request.Respond(481);
        }

        /// <summary>Either the handler saw the request or the dialog took it; waits for whichever happens.</summary>
        public async Task WhenSeenOrTakenAsync(RecordingStore store)
        {
            while (Seen == 0 && !store.Changes.Contains(DialogChange.RemoteCSeqChanged))
            {
                await Task.Yield();
            }
        }
    }

    /// <summary>Wraps the in-memory store and records every change it is told of.</summary>
    private sealed class RecordingStore
    {
        private readonly ConcurrentQueue<DialogChange> _changes = new();

        public DialogChange[] Changes => [.. _changes];

        public IDialogStore Wrap(IDialogStore inner) => new Store(this, inner);

        private sealed class Store(RecordingStore owner, IDialogStore inner) : IDialogStore
        {
            public int Count => inner.Count;

            public bool TryAdd(Dialog dialog) => inner.TryAdd(dialog);

            public bool TryGet(in DialogId id, [NotNullWhen(true)] out Dialog? dialog) => inner.TryGet(id, out dialog);

            public bool TryGet(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> localTag, ReadOnlySpan<byte> remoteTag, [NotNullWhen(true)] out Dialog? dialog) =>
                inner.TryGet(callId, localTag, remoteTag, out dialog);

            public int GetByCallId(ReadOnlySpan<byte> callId, List<Dialog> into) => inner.GetByCallId(callId, into);

            public bool TryFindMissing(in DialogId id, out ValueTask<DialogSnapshot?> pending) => inner.TryFindMissing(id, out pending);

            public void OnChanged(Dialog dialog, DialogChange change) => owner._changes.Enqueue(change);

            public bool Remove(in DialogId id) => inner.Remove(id);
        }
    }
}
