using System.Collections.Concurrent;
using System.Net;
using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// A shard owns its Call-IDs and nothing else, and application code runs off it: a request handler that blocks (which
/// it must not, but may) delays only the handlers of its own shard's Call-IDs. The shard itself carries on (a call of
/// its own ends with BYE meanwhile), and a call on another shard goes from INVITE to BYE.
/// </summary>
public sealed class ShardIsolationTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    [Fact]
    public async Task CallsCarryOnWhileAHandlerBlocksOffTheShard()
    {
        using var release = new ManualResetEventSlim();
        var dialogs = new ConcurrentDictionary<string, Dialog>();
        var handler = new BlockingUas(release, async (call, ct) =>
        {
            Dialog dialog = await call.AnswerAsync(null, cancellationToken: ct);
            dialogs[dialog.Id.CallId] = dialog;
        });
        SipStackOptions options = Parties.Options();
        options.Shards.ShardCount = 2;
        await using var stack = new SipStack(options, handler);
        await stack.StartAsync();
        IPEndPoint server = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;
        ShardSet shards = stack.Transactions.Shards;

        // Three Call-IDs: a call and a slow MESSAGE on shard X, another call on shard Y.
        string callX = NewCallId("x");
        int x = shards.GetShardIndex(Encoding.UTF8.GetBytes(callX));
        string messageX = NewCallId("m", id => shards.GetShardIndex(Encoding.UTF8.GetBytes(id)) == x);
        string callY = NewCallId("y", id => shards.GetShardIndex(Encoding.UTF8.GetBytes(id)) != x);
        handler.BlockOn = messageX;

        await using var alice = new RawSipSocket();
        await using var bob = new RawSipSocket();
        var onX = new RawCall(alice, server, callX);
        await onX.EstablishAsync();
        Dialog dialogX = await AnsweredAsync(dialogs, callX);
        Assert.Equal(DialogState.Confirmed, dialogX.State);

        // The MESSAGE's handler blocks, on a thread that is no shard's.
        await alice.SendAsync(OutOfDialogMessage(alice, server, messageX), server);
        Assert.Null(await handler.Blocked.WaitAsync(s_timeout));

        // Meanwhile a whole call on shard Y: INVITE, 200, ACK, BYE, 200.
        var onY = new RawCall(bob, server, callY);
        await onY.EstablishAsync();
        Dialog dialogY = await AnsweredAsync(dialogs, callY);
        Assert.Equal(DialogState.Confirmed, dialogY.State);
        SipResponse byeY = await onY.ByeAsync();
        Assert.Equal(200, byeY.StatusCode);
        Assert.Equal(DialogState.Terminated, dialogY.State);

        // Shard X itself answers the BYE of its call: the dialog layer needs no application code for it.
        SipResponse byeX = await onX.ByeAsync();
        Assert.Equal(200, byeX.StatusCode);
        Assert.Equal(DialogState.Terminated, dialogX.State);

        // The handler was held all along: it has not returned, its MESSAGE has no answer.
        Assert.True(handler.IsHolding);
        Assert.False(release.IsSet);
        while (alice.TryReceive(out SipMessage? early))
        {
            Assert.False(early is SipResponse { CSeqMethod: SipMethods.Message }, "The MESSAGE was answered while its shard was held.");
        }

        // Let go: the MESSAGE gets its answer.
        release.Set();
        SipResponse messageAnswer = await alice.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Message, s_timeout);
        Assert.Equal(200, messageAnswer.StatusCode);
        Assert.True(await handler.Released.WaitAsync(s_timeout), "The handler was let go by the test, not by its own timeout.");

        await Poll.UntilAsync(
            () => stack.DialogCount == 0 && stack.TransactionCount == 0 && stack.TimerCount == 0,
            s_timeout,
            $"dialogs {stack.DialogCount}, transactions {stack.TransactionCount}, timers {stack.TimerCount}");
        Assert.Equal(0, stack.HandlerFaults);
    }

    /// <summary>The callee's dialog of a call, once the handler that answered it has stored it.</summary>
    private static async Task<Dialog> AnsweredAsync(ConcurrentDictionary<string, Dialog> dialogs, string callId)
    {
        await Poll.UntilAsync(() => dialogs.ContainsKey(callId), s_timeout, "the answered call's dialog");
        return dialogs[callId];
    }

    /// <summary>A fresh Call-ID, drawn again until <paramref name="fits"/> says it lands on the wanted shard.</summary>
    internal static string NewCallId(string prefix, Func<string, bool>? fits = null)
    {
        for (int i = 0; i < 1000; i++)
        {
            string id = prefix + "-" + SipIds.NewCallId();
            if (fits is null || fits(id))
            {
                return id;
            }
        }

        throw new InvalidOperationException("No Call-ID landed on the wanted shard in 1000 draws.");
    }

    private static string OutOfDialogMessage(RawSipSocket from, IPEndPoint server, string callId) =>
        $"MESSAGE sip:bob@{server} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{from.Port};branch=z9hG4bK-{callId};rport\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:alice@127.0.0.1>;tag=m1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 MESSAGE\r\n" +
        "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

    /// <summary>
    /// Answers calls as <see cref="IncomingCallUas"/> does, and blocks on a MESSAGE of one Call-ID (a blocking wait on
    /// purpose: it stands for a handler that does slow work where it must not) before answering 200.
    /// </summary>
    private sealed class BlockingUas(ManualResetEventSlim release, Func<IncomingCall, CancellationToken, Task> onCall) : IncomingCallUas(onCall)
    {
        private readonly TaskCompletionSource<int?> _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _holding;

        public string? BlockOn { get; set; }

        /// <summary>Completes once the handler blocks, with the index of the shard it runs on (null: none).</summary>
        public Task<int?> Blocked => _blocked.Task;

        /// <summary>Completes when the handler lets go: true when released, false when its own timeout expired.</summary>
        public Task<bool> Released => _released.Task;

        public bool IsHolding => Volatile.Read(ref _holding) != 0;

        protected override void HandleOutOfDialog(SipServerRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (request.Request.Method != SipMethods.Message || request.Request.CallId != BlockOn)
            {
                base.HandleOutOfDialog(request);
                return;
            }

            Volatile.Write(ref _holding, 1);
            _blocked.TrySetResult(Shard.Current?.Index);
            bool released = release.Wait(s_timeout);
            Volatile.Write(ref _holding, 0);
            request.Respond(200);
            _released.TrySetResult(released);
        }
    }

    /// <summary>A UAC written by hand, so that the test chooses its Call-ID and with it its shard.</summary>
    private sealed class RawCall(RawSipSocket socket, IPEndPoint server, string callId)
    {
        private string? _toTag;
        private string _requestUri = "sip:bob@" + server;

        public async Task EstablishAsync()
        {
            await socket.SendAsync(Request(SipMethods.Invite, 1, "invite"), server);
            SipResponse ok = await socket.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Invite && r.StatusCode >= 200, s_timeout);
            Assert.Equal(200, ok.StatusCode);
            _toTag = Encoding.ASCII.GetString(ok.ToTag);
            Assert.True(ok.TryGetContact(out IReadOnlyList<ContactHeader>? contacts, out _));
            _requestUri = contacts![0].Address!.Uri.ToString(); // RFC 3261 §12.1.2: the remote target.
            await socket.SendAsync(Request(SipMethods.Ack, 1, "ack"), server);
        }

        public async Task<SipResponse> ByeAsync()
        {
            await socket.SendAsync(Request(SipMethods.Bye, 2, "bye"), server);
            return await socket.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Bye, s_timeout);
        }

        private string Request(string method, int cseq, string branch)
        {
            string to = _toTag is null ? "<sip:bob@127.0.0.1>" : "<sip:bob@127.0.0.1>;tag=" + _toTag;
            return $"{method} {_requestUri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{socket.Port};branch=z9hG4bK-{branch}-{callId};rport\r\n" +
                $"Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: {to}\r\nCall-ID: {callId}\r\nCSeq: {cseq} {method}\r\n" +
                $"Contact: <sip:alice@127.0.0.1:{socket.Port}>\r\nContent-Length: 0\r\n\r\n";
        }
    }
}
