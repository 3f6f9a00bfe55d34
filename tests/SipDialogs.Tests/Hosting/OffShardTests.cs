using System.Collections.Concurrent;
using System.Net;
using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Hosting;

/// <summary>
/// Application code never runs on a shard: every handler, callback and event asserts it where it runs, and the events
/// of one dialog arrive one at a time, in order.
/// </summary>
public class OffShardTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    [Fact]
    public async Task TheRequestHandlerAndTheCancelOfItsInviteRunOffTheShardsInOrder()
    {
        var handler = new RingingHandler();
        await using var stack = new SipStack(Parties.Options(), handler);
        await stack.StartAsync();
        IPEndPoint server = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;
        await using var alice = new RawSipSocket();

        await alice.SendAsync(Request(alice, server, SipMethods.Invite, "off-shard-cancel"), server);
        Assert.Equal(180, (await alice.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Invite, s_timeout)).StatusCode);
        await alice.SendAsync(Request(alice, server, SipMethods.Cancel, "off-shard-cancel"), server);

        // RFC 3261 §9.2: the CANCEL gets 200 from the transaction layer, the INVITE 487 from the handler's OnCancel.
        Assert.Equal(487, (await alice.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Invite && r.StatusCode >= 200, s_timeout)).StatusCode);
        Assert.Equal(["OnRequest INVITE off", "OnCancel INVITE off"], handler.Calls);
        Assert.True(handler.SameRequest, "OnCancel was given another object than the INVITE's OnRequest.");
        Assert.Equal(0, stack.HandlerFaults);
    }

    [Fact]
    public async Task AResponseSentFromAnotherThreadLeavesInOrderAndASecondFinalResponseIsRefused()
    {
        var kept = new TaskCompletionSource<SipServerRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var stack = new SipStack(Parties.Options(), new KeepingHandler(kept));
        await stack.StartAsync();
        IPEndPoint server = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;
        await using var alice = new RawSipSocket();

        await alice.SendAsync(Request(alice, server, SipMethods.Message, "respond-later"), server);
        SipServerRequest request = await kept.Task.WaitAsync(s_timeout);
        (bool First, bool Second, bool Third, bool HasFinal) sent = await Task.Run(() =>
        {
            Assert.Null(Shard.Current);
            bool first = request.Respond(request.CreateResponse(100));
            bool second = request.Respond(request.CreateResponse(202));
            bool third = request.Respond(486); // A second final response: refused at once, never sent.
            return (first, second, third, request.HasFinalResponse);
        }).WaitAsync(s_timeout);

        Assert.Equal((true, true, false, true), sent);
        Assert.Equal(100, (await alice.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Message, s_timeout)).StatusCode);
        Assert.Equal(202, (await alice.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Message, s_timeout)).StatusCode);
        Assert.False(await request.RespondAsync(request.CreateResponse(500)).AsTask().WaitAsync(s_timeout));
        Assert.Equal(202, request.LastStatusCode);
    }

    [Fact]
    public async Task ACallItsPrepareAndItsDialogEventsRunOffTheShards()
    {
        var seen = new ConcurrentQueue<string>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            seen.Enqueue(Where("onCall"));
            ct.UnsafeRegister(static s => ((ConcurrentQueue<string>)s!).Enqueue(Where("cancelled")), seen);
            await call.AnswerAsync(
                CallTests.Offer,
                dialog =>
                {
                    seen.Enqueue(Where("prepare"));
                    dialog.RequestReceived += (_, e) => seen.Enqueue(Where("RequestReceived " + e.Method));
                    dialog.StateChanged += (_, e) =>
                    {
                        seen.Enqueue(Where("StateChanged " + e.State));
                        if (e.State == DialogState.Terminated)
                        {
                            ended.TrySetResult();
                        }
                    };
                },
                cancellationToken: ct);
        });

        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, new InviteOptions { SessionDescription = CallTests.Offer });
        Dialog caller = await call.Answered.WaitAsync(s_timeout);
        Assert.Equal(200, (await caller.InfoAsync("1", "application/dtmf-relay").WaitAsync(s_timeout)).StatusCode);
        await caller.ByeAsync().WaitAsync(s_timeout);
        await ended.Task.WaitAsync(s_timeout);

        Assert.Equal(["onCall off", "prepare off", "RequestReceived INFO off", "StateChanged Terminated off"], seen);
        Assert.Equal(0, parties.Callee.HandlerFaults);
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task DialogCreatedRunsOffTheShardAndWhatItSubscribesSeesEveryEventOfItsDialog()
    {
        // The callee rings, then answers at once; DialogCreated is held until the caller has the answer, so the
        // caller's shard has confirmed the dialog, and raised its StateChanged, before DialogCreated could subscribe.
        using var hold = new ManualResetEventSlim();
        var seen = new ConcurrentQueue<string>();
        await using var parties = await Parties.StartAsync(async (call, ct) =>
        {
            await call.RingAsync(ct);
            await call.AnswerAsync(CallTests.Offer, cancellationToken: ct);
        });

        var options = new InviteOptions
        {
            SessionDescription = CallTests.Offer,
            DialogCreated = dialog =>
            {
                seen.Enqueue(Where("DialogCreated"));
                Assert.True(hold.Wait(s_timeout), "The test never let DialogCreated go.");
                dialog.StateChanged += (_, e) => seen.Enqueue(Where("StateChanged " + e.Previous + ">" + e.State));
            },
        };
        OutgoingCall call = await parties.Caller.InviteAsync(parties.CalleeUri, options);
        Dialog caller = await call.Answered.WaitAsync(s_timeout);
        Assert.Equal(DialogState.Confirmed, caller.State);
        hold.Set();
        await Poll.UntilAsync(() => seen.Count == 2, s_timeout, "the confirmation reaches the handler DialogCreated subscribed");
        await caller.ByeAsync().WaitAsync(s_timeout);
        await Poll.UntilAsync(() => seen.Count == 3, s_timeout, "the termination reaches it too");

        Assert.Equal(["DialogCreated off", "StateChanged Early>Confirmed off", "StateChanged Confirmed>Terminated off"], seen);
        Assert.Equal(0, parties.Caller.HandlerFaults);
        await parties.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task TheEventsOfOneDialogArriveOneAtATimeInTheOrderOfItsRequests()
    {
        const int Infos = 40;
        var bodies = new ConcurrentQueue<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int inside = 0;
        bool overlapped = false;
        // Over TCP: one connection keeps the requests in the order they were sent, as UDP need not.
        SipStackOptions tcp = Parties.Options();
        tcp.Listen.Clear();
        tcp.Listen.Add("tcp:127.0.0.1:0");
        await using var callerStack = new SipStack(tcp);
        await using var callee = new SipStack(tcp, new IncomingCallUas(async (call, ct) =>
        {
            Dialog dialog = await call.AnswerAsync(CallTests.Offer, cancellationToken: ct);
            dialog.RequestReceived += (_, e) =>
            {
                overlapped |= Interlocked.Increment(ref inside) != 1 || Shard.Current is not null;
                Thread.Yield(); // Gives a second event, were it run at once, the time to come in.
                bodies.Enqueue(Encoding.UTF8.GetString(e.Body.Span));
                Interlocked.Decrement(ref inside);
            };
            dialog.StateChanged += (_, e) =>
            {
                overlapped |= Interlocked.Increment(ref inside) != 1;
                bodies.Enqueue(e.State.ToString());
                Interlocked.Decrement(ref inside);
                done.TrySetResult();
            };
        }));
        await callerStack.StartAsync();
        await callee.StartAsync();
        IPEndPoint calleeTcp = callee.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Tcp).Address;

        OutgoingCall call = await callerStack.InviteAsync($"sip:bob@{calleeTcp};transport=tcp", new InviteOptions { SessionDescription = CallTests.Offer });
        Dialog caller = await call.Answered.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => callee.DialogCount == 1, s_timeout, "the callee's dialog is in place");

        // All sent at once, in CSeq order, each answered by the callee when its handler has returned.
        var infos = new Task<SipResponse>[Infos];
        for (int i = 0; i < Infos; i++)
        {
            infos[i] = caller.InfoAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "text/plain");
        }

        foreach (Task<SipResponse> info in infos)
        {
            Assert.Equal(200, (await info.WaitAsync(s_timeout)).StatusCode);
        }

        await caller.ByeAsync().WaitAsync(s_timeout);
        await done.Task.WaitAsync(s_timeout);

        string[] expected = [.. Enumerable.Range(0, Infos).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), nameof(DialogState.Terminated)];
        Assert.Equal(expected, bodies);
        Assert.False(overlapped, "Two events of one dialog ran at once, or one ran on a shard.");
        await Parties.AssertFreedAsync(callerStack, callee);
    }

    [Fact]
    public async Task AReferHandlerOfTheStackRunsOffTheShards()
    {
        var where = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var referee = new SipStack(Parties.Options());
        referee.ReferReceived += (_, e) =>
        {
            where.TrySetResult(Where("ReferReceived"));
            _ = e.RejectAsync(603).AsTask();
        };
        await referee.StartAsync();
        await using var referrer = new SipStack(Parties.Options());
        await referrer.StartAsync();
        IPEndPoint target = referee.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

        Transfer transfer = await referrer.ReferAsync("sip:bob@" + target, "sip:carol@127.0.0.1:9").WaitAsync(s_timeout);

        Assert.Equal("ReferReceived off", await where.Task.WaitAsync(s_timeout));
        Assert.Equal(TransferResult.Declined, (await transfer.Completion.WaitAsync(s_timeout)).Result);
    }

    /// <summary>What ran, and whether on a shard ("on") or not ("off").</summary>
    private static string Where(string what) => what + (Shard.Current is null ? " off" : " on shard " + Shard.Current.Index);

    private static string Request(RawSipSocket from, IPEndPoint server, string method, string callId) =>
        $"{method} sip:bob@{server} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{from.Port};branch=z9hG4bK-{callId};rport\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 {method}\r\n" +
        $"Contact: <sip:alice@127.0.0.1:{from.Port}>\r\nContent-Length: 0\r\n\r\n";

    /// <summary>Rings every INVITE and leaves it ringing; records where and in which order it was called.</summary>
    private sealed class RingingHandler : ISipRequestHandler
    {
        private SipServerRequest? _invite;

        public ConcurrentQueue<string> Calls { get; } = new();

        public bool SameRequest { get; private set; }

        public void OnRequest(SipServerRequest request)
        {
            Calls.Enqueue(Where("OnRequest " + request.Request.Method));
            _invite = request;
            request.Respond(180);
        }

        public void OnCancel(SipServerRequest invite)
        {
            Calls.Enqueue(Where("OnCancel " + invite.Request.Method));
            SameRequest = ReferenceEquals(invite, _invite);
            invite.Respond(487);
        }
    }

    /// <summary>Answers nothing: hands each request to the test, which answers it from another thread.</summary>
    private sealed class KeepingHandler(TaskCompletionSource<SipServerRequest> kept) : ISipRequestHandler
    {
        public void OnRequest(SipServerRequest request) => kept.TrySetResult(request);
    }
}
