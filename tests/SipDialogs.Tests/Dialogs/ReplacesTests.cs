using System.Globalization;
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
/// An INVITE that takes the place of a dialog of its receiver (RFC 3891 §3), between stacks on loopback UDP: A calls
/// C, then B calls C naming the A–C dialog in a Replaces header.
/// </summary>
public sealed class ReplacesTests
{
    private const string Sdp = "v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    [Fact]
    public async Task AnAnsweredCallThatReplacesAConfirmedDialogEndsItWithBye()
    {
        var callee = new Callee();
        await using var stacks = await Stacks.StartAsync(callee.OnCallAsync);
        (Dialog atA, Dialog atC) = await stacks.ConnectAtoCAsync(callee);
        Task<DialogStateChangedEventArgs> aEnded = CallTests.NextStateAsync(atA, DialogState.Terminated);

        OutgoingCall fromB = await stacks.B.InviteAsync(stacks.CUri, Naming(atA));
        Dialog atB = await fromB.Answered.WaitAsync(s_timeout);
        Dialog bAtC = await callee.Answered.Reader.ReadAsync().AsTask().WaitAsync(s_timeout);

        Assert.Same(atC, callee.Replaced);
        Assert.NotSame(atC, bAtC); // The new call has a dialog of its own.
        Assert.Equal(DialogState.Confirmed, (await aEnded.WaitAsync(s_timeout)).Previous); // C sent BYE (RFC 3891 §3).
        await Poll.UntilAsync(() => atC.State == DialogState.Terminated, s_timeout, "C's replaced dialog ends");
        Assert.Equal(DialogState.Confirmed, atB.State);
        Assert.Equal(DialogState.Confirmed, bAtC.State);
        Assert.Equal(200, (await atB.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await stacks.AssertEverythingFreedAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnInviteThatRequiresReplacesIsServedAndOptionsInTheDialogAdvertiseIt(bool inlineAnswering)
    {
        // RFC 3891 §6.2: the "replaces" option tag; without it in Supported, Require: replaces would get 420 (RFC 3261 §8.2.2.3).
        var callee = new Callee();
        await using var stacks = inlineAnswering ? await Stacks.StartAnsweringAsync() : await Stacks.StartAsync(callee.OnCallAsync);
        OutgoingCall fromA = await stacks.A.InviteAsync(stacks.CUri, new InviteOptions { SessionDescription = Sdp });
        Dialog atA = await fromA.Answered.WaitAsync(s_timeout);
        SipResponse options = await atA.SendRequestAsync(SipMethods.Options).WaitAsync(s_timeout);
        InviteOptions invite = Naming(atA);
        invite.Headers.Add(new("Require", "replaces"));

        OutgoingCall fromB = await stacks.B.InviteAsync(stacks.CUri, invite);
        Dialog atB = await fromB.Answered.WaitAsync(s_timeout);

        Assert.Contains("replaces", options.Supported);
        Assert.Equal(DialogState.Confirmed, atB.State);
        await Poll.UntilAsync(() => atA.State == DialogState.Terminated, s_timeout, "A's dialog ends with C's BYE");
        Assert.Equal(200, (await atB.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await stacks.AssertEverythingFreedAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AReplacesThatMatchesNoDialogIsRefused481AndTheApplicationNeverSeesTheCall(bool inlineAnswering)
    {
        var callee = new Callee();
        await using var stacks = inlineAnswering ? await Stacks.StartAnsweringAsync() : await Stacks.StartAsync(callee.OnCallAsync);
        var options = new InviteOptions();
        options.Headers.Add(new("Replaces", "nothing-" + SipIds.NewCallId() + ";to-tag=x1;from-tag=y2"));

        OutgoingCall fromB = await stacks.B.InviteAsync(stacks.CUri, options);
        var failure = await Assert.ThrowsAsync<SipCallFailedException>(() => fromB.Answered.WaitAsync(s_timeout));

        Assert.Equal(481, failure.StatusCode);
        Assert.Equal(0, callee.Calls);
        Assert.Equal(0, stacks.C.DialogCount);
        await stacks.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AnEarlyOnlyReplacesOfAConfirmedDialogIsRefused486AndTheDialogCarriesOn()
    {
        var callee = new Callee();
        await using var stacks = await Stacks.StartAsync(callee.OnCallAsync);
        (Dialog atA, Dialog atC) = await stacks.ConnectAtoCAsync(callee);

        OutgoingCall fromB = await stacks.B.InviteAsync(stacks.CUri, Naming(atA, ";early-only"));
        var failure = await Assert.ThrowsAsync<SipCallFailedException>(() => fromB.Answered.WaitAsync(s_timeout));

        Assert.Equal(486, failure.StatusCode);
        Assert.Equal(1, callee.Calls);
        Assert.Equal(DialogState.Confirmed, atA.State);
        Assert.Equal(DialogState.Confirmed, atC.State);
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await stacks.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AReplacesOfAnEarlyDialogTheReceiverAnswersIsRefused481()
    {
        var callee = new Callee { RingFirstCall = true };
        await using var stacks = await Stacks.StartAsync(callee.OnCallAsync);
        var early = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        var toC = new InviteOptions { DialogCreated = d => early.TrySetResult(d) };
        OutgoingCall fromA = await stacks.A.InviteAsync(stacks.CUri, toC);
        Dialog atA = await early.Task.WaitAsync(s_timeout);

        OutgoingCall fromB = await stacks.B.InviteAsync(stacks.CUri, Naming(atA));
        var failure = await Assert.ThrowsAsync<SipCallFailedException>(() => fromB.Answered.WaitAsync(s_timeout));

        Assert.Equal(481, failure.StatusCode);
        Assert.Equal(1, callee.Calls);
        Assert.Equal(DialogState.Early, atA.State);
        await fromA.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fromA.Answered.WaitAsync(s_timeout));
        await callee.RingingCancelled.Task.WaitAsync(s_timeout);
        await stacks.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task AnAnsweredCallThatReplacesAnEarlyDialogTheReceiverStartedCancelsIt()
    {
        // C calls X, which rings; B's call to C replaces that unanswered call.
        var x = new Callee { RingFirstCall = true };
        var callee = new Callee();
        await using var stacks = await Stacks.StartAsync(callee.OnCallAsync);
        await using var xStack = new SipStack(Parties.Options(), new IncomingCallUas(x.OnCallAsync));
        await xStack.StartAsync();
        var early = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        OutgoingCall fromC = await stacks.C.InviteAsync("sip:x@" + UdpOf(xStack), new InviteOptions { DialogCreated = d => early.TrySetResult(d) });
        Dialog atC = await early.Task.WaitAsync(s_timeout);

        // Named as C sees it: C's tag is its own (to-tag), X's its peer's (from-tag).
        var options = new InviteOptions();
        options.Headers.Add(new("Replaces", $"{atC.Id.CallId};to-tag={atC.Id.LocalTag};from-tag={atC.Id.RemoteTag}"));
        OutgoingCall fromB = await stacks.B.InviteAsync(stacks.CUri, options);
        Dialog atB = await fromB.Answered.WaitAsync(s_timeout);

        Assert.Same(atC, callee.Replaced);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fromC.Answered.WaitAsync(s_timeout)); // C sent CANCEL.
        await x.RingingCancelled.Task.WaitAsync(s_timeout);
        Assert.Equal(DialogState.Terminated, atC.State);
        Assert.Equal(200, (await atB.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await stacks.AssertEverythingFreedAsync();
        await AssertFreedAsync(xStack);
    }

    [Theory]
    [InlineData("Replaces: abc;to-tag\r\n", "Malformed Replaces")]
    [InlineData("Replaces: abc;to-tag=1;from-tag=2\r\nReplaces: abc;to-tag=1;from-tag=2\r\n", "Duplicate Replaces")]
    public async Task ABadOrRepeatedReplacesIsRefused400NamingIt(string headers, string reason)
    {
        var callee = new Callee();
        await using var stacks = await Stacks.StartAsync(callee.OnCallAsync);
        await using var peer = new RawSipSocket();
        var invite = new RawInvite(peer, stacks.CEndPoint, "bad-" + SipIds.NewCallId(), headers);

        SipResponse answer = await invite.SendAsync();
        await invite.AckAsync(answer);

        Assert.Equal(400, answer.StatusCode);
        Assert.Equal(reason, answer.ReasonPhrase);
        Assert.Equal(0, callee.Calls);
        await stacks.AssertEverythingFreedAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AReplacesIsFoundWhetherTheDialogIsOnTheInvitesShardOrAnother(bool sameShard)
    {
        var callee = new Callee();
        await using var stacks = await Stacks.StartAsync(callee.OnCallAsync);
        (Dialog atA, Dialog atC) = await stacks.ConnectAtoCAsync(callee);
        ShardSet shards = stacks.C.Transactions.Shards;
        int replacedShard = shards.GetShardIndex(atC.Id.CallIdBytes);
        string callId = ShardIsolationTests.NewCallId("r", id => (shards.GetShardIndex(Encoding.UTF8.GetBytes(id)) == replacedShard) == sameShard);
        await using var peer = new RawSipSocket();
        var invite = new RawInvite(peer, stacks.CEndPoint, callId, "Replaces: " + NameAsC(atA) + "\r\n");

        SipResponse ok = await invite.SendAsync();
        await invite.AckAsync(ok);

        Assert.Equal(200, ok.StatusCode);
        Assert.Same(atC, callee.Replaced);
        await Poll.UntilAsync(() => atA.State == DialogState.Terminated, s_timeout, "A's dialog ends with C's BYE");
        Assert.Equal(200, (await invite.ByeAsync()).StatusCode);
        await stacks.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task TheInlineAnsweringUasHonoursReplaces()
    {
        await using var stacks = await Stacks.StartAnsweringAsync();
        OutgoingCall fromA = await stacks.A.InviteAsync(stacks.CUri);
        Dialog atA = await fromA.Answered.WaitAsync(s_timeout);
        Task<DialogStateChangedEventArgs> aEnded = CallTests.NextStateAsync(atA, DialogState.Terminated);

        OutgoingCall fromB = await stacks.B.InviteAsync(stacks.CUri, Naming(atA));
        Dialog atB = await fromB.Answered.WaitAsync(s_timeout);

        Assert.Equal(DialogState.Confirmed, (await aEnded.WaitAsync(s_timeout)).Previous);
        Assert.Equal(DialogState.Confirmed, atB.State);
        Assert.Equal(200, (await atB.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await stacks.AssertEverythingFreedAsync();
    }

    /// <summary>The receiver's view of the dialog <paramref name="sender"/> has with it: its tag is the to-tag (RFC 3891 §3).</summary>
    private static string NameAsC(Dialog sender) => $"{sender.Id.CallId};to-tag={sender.Id.RemoteTag};from-tag={sender.Id.LocalTag}";

    /// <summary>An INVITE that replaces the dialog <paramref name="atA"/> has with C.</summary>
    private static InviteOptions Naming(Dialog atA, string flags = "")
    {
        var options = new InviteOptions { SessionDescription = Sdp };
        options.Headers.Add(new("Replaces", NameAsC(atA) + flags));
        return options;
    }

    private static IPEndPoint UdpOf(SipStack stack) => stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

    private static async Task AssertFreedAsync(SipStack stack) =>
        await Poll.UntilAsync(
            () => stack.DialogCount == 0 && stack.TransactionCount == 0 && stack.TimerCount == 0,
            s_timeout,
            $"dialogs {stack.DialogCount}, transactions {stack.TransactionCount}, timers {stack.TimerCount}");

    /// <summary>C's application: answers every call (or rings the first until it is cancelled) and notes what it saw.</summary>
    private sealed class Callee
    {
        private int _calls;

        public bool RingFirstCall { get; init; }

        public int Calls => Volatile.Read(ref _calls);

        public Dialog? Replaced { get; private set; }

        /// <summary>The dialogs of the calls answered, in order.</summary>
        public System.Threading.Channels.Channel<Dialog> Answered { get; } = System.Threading.Channels.Channel.CreateUnbounded<Dialog>();

        public TaskCompletionSource RingingCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task OnCallAsync(IncomingCall call, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _calls) == 1 && RingFirstCall)
            {
                await call.RingAsync(ct);
                await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => RingingCancelled.TrySetResult(), TaskScheduler.Default);
                return;
            }

            Replaced = call.Replaces;
            Answered.Writer.TryWrite(await call.AnswerAsync(Sdp, cancellationToken: ct));
        }
    }

    /// <summary>Three stacks: A and B place calls, C receives them.</summary>
    private sealed class Stacks : IAsyncDisposable
    {
        private Stacks(SipStack a, SipStack b, SipStack c)
        {
            A = a;
            B = b;
            C = c;
            CEndPoint = UdpOf(c);
            CUri = "sip:c@" + CEndPoint;
        }

        public SipStack A { get; }

        public SipStack B { get; }

        public SipStack C { get; }

        public IPEndPoint CEndPoint { get; }

        public string CUri { get; }

        public static Task<Stacks> StartAsync(Func<IncomingCall, CancellationToken, Task> onCall)
        {
            SipStackOptions options = Parties.Options();
            options.Shards.ShardCount = 4; // The replaced dialog and the new INVITE are then mostly on different shards.
            return StartAsync(new SipStack(options, new IncomingCallUas(onCall)));
        }

        /// <summary>C answers every call as <c>sipdialogs serve</c> does.</summary>
        public static Task<Stacks> StartAnsweringAsync() =>
            StartAsync(new SipStack(Parties.Options(), new SipDialogs.Server.CallAnsweringUas(new SipDialogs.Server.CallAnsweringOptions())));

        private static async Task<Stacks> StartAsync(SipStack c)
        {
            var a = new SipStack(Parties.Options());
            var b = new SipStack(Parties.Options());
            await a.StartAsync();
            await b.StartAsync();
            await c.StartAsync();
            return new Stacks(a, b, c);
        }

        /// <summary>A calls C and C answers: the dialog at each end.</summary>
        public async Task<(Dialog AtA, Dialog AtC)> ConnectAtoCAsync(Callee callee)
        {
            OutgoingCall call = await A.InviteAsync(CUri, new InviteOptions { SessionDescription = Sdp });
            Dialog atA = await call.Answered.WaitAsync(s_timeout);
            Dialog atC = await callee.Answered.Reader.ReadAsync().AsTask().WaitAsync(s_timeout);
            Assert.Null(callee.Replaced);
            return (atA, atC);
        }

        public async Task AssertEverythingFreedAsync()
        {
            foreach (SipStack stack in new[] { A, B, C })
            {
                await AssertFreedAsync(stack);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            await C.DisposeAsync();
        }
    }

    /// <summary>An INVITE written by hand with extra header lines, from a raw socket, and the requests that follow it.</summary>
    private sealed class RawInvite(RawSipSocket socket, IPEndPoint server, string callId, string headers)
    {
        private string _toTag = string.Empty;
        private string _requestUri = "sip:c@" + server;

        public async Task<SipResponse> SendAsync()
        {
            await socket.SendAsync(Request(SipMethods.Invite, 1, "invite", headers), server);
            SipResponse final = await socket.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Invite && r.StatusCode >= 200, s_timeout);
            _toTag = Encoding.ASCII.GetString(final.ToTag);
            if (final.StatusCode < 300 && final.TryGetContact(out IReadOnlyList<ContactHeader>? contacts, out _))
            {
                _requestUri = contacts[0].Address!.Uri.ToString(); // RFC 3261 §12.1.2: the remote target.
            }

            return final;
        }

        /// <summary>The ACK: in the INVITE's transaction for a non-2xx (RFC 3261 §17.1.1.3), a new one for a 2xx (§13.2.2.4).</summary>
        public Task AckAsync(SipResponse final) =>
            socket.SendAsync(Request(SipMethods.Ack, 1, final.StatusCode < 300 ? "ack" : "invite", string.Empty), server);

        public async Task<SipResponse> ByeAsync()
        {
            await socket.SendAsync(Request(SipMethods.Bye, 2, "bye", string.Empty), server);
            return await socket.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Bye, s_timeout);
        }

        private string Request(string method, int cseq, string branch, string extra)
        {
            string to = _toTag.Length == 0 ? "<sip:c@127.0.0.1>" : "<sip:c@127.0.0.1>;tag=" + _toTag;
            string uri = method == SipMethods.Ack && branch == "invite" ? "sip:c@" + server : _requestUri;
            return string.Create(
                CultureInfo.InvariantCulture,
                $"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{socket.Port};branch=z9hG4bK-{branch}-{callId};rport\r\n" +
                $"Max-Forwards: 70\r\nFrom: <sip:b@127.0.0.1>;tag=b1\r\nTo: {to}\r\nCall-ID: {callId}\r\nCSeq: {cseq} {method}\r\n" +
                $"Contact: <sip:b@127.0.0.1:{socket.Port}>\r\n{extra}Content-Length: 0\r\n\r\n");
        }
    }
}
