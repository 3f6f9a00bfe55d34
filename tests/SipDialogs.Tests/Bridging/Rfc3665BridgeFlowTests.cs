using System.Globalization;
using System.Text;
using SipDialogs.Bridging;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Bridging;

/// <summary>
/// RFC 3665's basic session flows with a <see cref="CallBridge"/> between Alice and Bob: each leg must carry the flow
/// as if the B2BUA were the other party. What Alice receives is, in order, what the flow shows arriving at Alice, and
/// what Bob receives what it shows arriving at Bob; each message is checked field by field against the flow's own
/// (start line, CSeq number and method, a body where the flow has one), and the legs share no Call-ID or tag.
/// </summary>
public sealed class Rfc3665BridgeFlowTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;
    private const string AliceOffer = "v=0\r\no=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\n";
    private const string BobAnswer = "v=0\r\no=bob 2890844527 2890844527 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";

    [Fact]
    public async Task Flow3_1SuccessfulSessionEstablishmentAcrossTheBridge()
    {
        var aliceHeardRinging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bobDialog = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var flow = await BridgedFlow.StartAsync(bridgeTrying: false, async (call, ct) =>
        {
            await call.RingAsync(ct); // F2
            await aliceHeardRinging.Task.WaitAsync(ct); // UDP may reorder a 180 and a 200 sent back to back.
            bobDialog.TrySetResult(await call.AnswerAsync(BobAnswer, cancellationToken: ct)); // F3
        });

        OutgoingCall call = await flow.Alice.InviteAsync(flow.BridgeUri, new InviteOptions { SessionDescription = AliceOffer }); // F1
        await CallTests.ReadProgressAsync(call, 180);
        aliceHeardRinging.SetResult();
        Dialog alice = await call.Answered.WaitAsync(s_timeout); // F4
        Dialog bob = await bobDialog.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !bob.IsAwaitingAck, s_timeout, "Bob has the ACK (F4)");
        Task<DialogStateChangedEventArgs> aliceEnds = CallTests.NextStateAsync(alice, DialogState.Terminated);
        Assert.Equal(200, (await bob.ByeAsync().WaitAsync(s_timeout)).StatusCode); // F5, F6
        await aliceEnds.WaitAsync(s_timeout);

        await flow.AssertStepsAsync("rfc3665_3.01", alice: [2, 3, 5], bob: [1, 4, 6]);
        Assert.Equal(BobAnswer, Encoding.UTF8.GetString(alice.RemoteSessionDescription.Span));
        Assert.Equal(AliceOffer, Encoding.UTF8.GetString(bob.RemoteSessionDescription.Span));
    }

    [Fact]
    public async Task Flow3_8UnsuccessfulNoAnswerAcrossTheBridge()
    {
        await using var flow = await BridgedFlow.StartAsync(bridgeTrying: true, async (call, ct) =>
        {
            await call.RingAsync(ct); // F6
            await Task.Delay(s_timeout * 2, ct); // No answer: the CANCEL (F3) ends the wait, the stack answers 487 (F5).
        });
        using var cancel = new CancellationTokenSource();

        OutgoingCall call = await flow.Alice.InviteAsync(flow.BridgeUri, new InviteOptions { SessionDescription = AliceOffer }, cancel.Token); // F1
        await CallTests.ReadProgressAsync(call, 180);
        await cancel.CancelAsync(); // F9
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Answered.WaitAsync(s_timeout));

        // The bridge plays both proxies: Alice hears its 100 (F3), the 180 (F8), 200 for her CANCEL (F10) and 487 (F19);
        // Bob gets the INVITE (F4), the bridge's own CANCEL (F13) and the ACK of his 487 (F16).
        await flow.AssertStepsAsync("rfc3665_3.08", alice: [3, 8, 10, 19], bob: [4, 13, 16]);
    }

    [Fact]
    public async Task Flow3_9UnsuccessfulBusyAcrossTheBridge()
    {
        await using var flow = await BridgedFlow.StartAsync(bridgeTrying: true, static (call, ct) => call.RejectAsync(486, cancellationToken: ct).AsTask()); // F6

        OutgoingCall call = await flow.Alice.InviteAsync(flow.BridgeUri, new InviteOptions { SessionDescription = AliceOffer }); // F1
        SipCallFailedException failed = await Assert.ThrowsAsync<SipCallFailedException>(() => call.Answered.WaitAsync(s_timeout)); // F10, F11

        Assert.Equal(486, failed.StatusCode);
        await flow.AssertStepsAsync("rfc3665_3.09", alice: [3, 10], bob: [4, 7]); // The bridge plays both proxies, as in 3.8.
    }

    /// <summary>Alice, the bridge (every call to Bob) and Bob, each recording what it receives; no session timers, no 100.</summary>
    private sealed class BridgedFlow : IAsyncDisposable
    {
        private readonly List<SipMessage> _alice = [];
        private readonly List<SipMessage> _bob = [];
        private readonly HashSet<string> _seen = [];

        private BridgedFlow(SipStack alice, SipStack bridge, SipStack bob)
        {
            Alice = alice;
            Bridge = bridge;
            Bob = bob;
            alice.Inbound = m => Record(_alice, "alice", m);
            bob.Inbound = m => Record(_bob, "bob", m);
            BridgeUri = "sip:bob@" + Udp(bridge);
        }

        public SipStack Alice { get; }

        public SipStack Bridge { get; }

        public SipStack Bob { get; }

        public string BridgeUri { get; }

        /// <param name="bridgeTrying">Whether the bridge answers 100 at once, as the flow's proxies do; else never, as Bob does.</param>
        /// <param name="bob">Bob's answer.</param>
        public static async Task<BridgedFlow> StartAsync(bool bridgeTrying, Func<IncomingCall, CancellationToken, Task> bob)
        {
            var stacks = new SipStack[3];
            for (int i = 0; i < 3; i++)
            {
                SipStackOptions options = Parties.Options();
                options.SessionTimers.Enabled = false; // The RFC 3665 flows predate RFC 4028.
                options.Timers.TryingDelay = i == 1 && bridgeTrying ? TimeSpan.Zero : Timeout.InfiniteTimeSpan; // Only proxies send 100 in the flows.
                stacks[i] = i switch
                {
                    0 => new SipStack(options),
                    1 => new SipStack(options, new IncomingCallUas(async (call, _) =>
                    {
                        var bridge = new CallBridge(stacks[1], call);
                        BridgeAttempt attempt = await bridge.ConnectAsync("sip:bob@" + Udp(stacks[2]), cancellationToken: CancellationToken.None);
                        if (attempt.Outcome == BridgeAttemptOutcome.Failed)
                        {
                            await bridge.RejectAsync(CallBridge.UpstreamStatus(attempt.StatusCode));
                        }
                    })),
                    _ => new SipStack(options, new IncomingCallUas(bob)),
                };
            }

            foreach (SipStack stack in stacks)
            {
                await stack.StartAsync();
            }

            return new BridgedFlow(stacks[0], stacks[1], stacks[2]);
        }

        /// <summary>
        /// Each end received exactly the flow's messages at its F numbers, in order, each matching the flow's start line
        /// and CSeq; the legs' Call-IDs and tags differ; then nothing is left on any stack.
        /// </summary>
        public async Task AssertStepsAsync(string flow, int[] alice, int[] bob)
        {
            IReadOnlyList<SipMessage> messages = CallFlows.Parse(flow);
            await Poll.UntilAsync(() => Count(_alice) >= alice.Length && Count(_bob) >= bob.Length, s_timeout, $"{flow}: the last steps arrive");
            SipMessage[] atAlice = Snapshot(_alice);
            SipMessage[] atBob = Snapshot(_bob);
            AssertMatches(flow, [.. alice.Select(f => messages[f - 1])], atAlice);
            AssertMatches(flow, [.. bob.Select(f => messages[f - 1])], atBob);
            string aliceCallId = atAlice[0].CallId;
            string bobCallId = atBob[0].CallId;
            Assert.NotEqual(aliceCallId, bobCallId);
            Assert.All(atAlice, m => Assert.Equal(aliceCallId, m.CallId));
            Assert.All(atBob, m => Assert.Equal(bobCallId, m.CallId));
            foreach (SipMessage b in atBob)
            {
                foreach (SipMessage a in atAlice)
                {
                    Assert.False(b.FromTag.SequenceEqual(a.FromTag) || (!a.ToTag.IsEmpty && b.ToTag.SequenceEqual(a.ToTag)), $"{flow}: a tag of one leg is on the other");
                }
            }

            await Parties.AssertFreedAsync(Alice, Bridge, Bob);
        }

        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await Bridge.DisposeAsync();
            await Bob.DisposeAsync();
        }

        private static void AssertMatches(string flow, SipMessage[] expected, SipMessage[] actual)
        {
            Assert.True(expected.Length == actual.Length, $"{flow}: expected {Describe(expected)}, got {Describe(actual)}");
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(StartOf(expected[i]), StartOf(actual[i]));
                Assert.Equal(expected[i].CSeqNumber, actual[i].CSeqNumber);
                Assert.Equal(expected[i].CSeqMethod, actual[i].CSeqMethod);
                Assert.Equal(expected[i].Body.IsEmpty, actual[i].Body.IsEmpty);
                if (actual[i].CSeqMethod != SipMethods.Cancel)
                {
                    // RFC 3261 §9.2 asks a 200 to CANCEL to carry the INVITE response's To tag; the flow's has none.
                    Assert.True(expected[i].ToTag.IsEmpty == actual[i].ToTag.IsEmpty, $"{flow}: the To tag of {StartOf(actual[i])} {actual[i].CSeqMethod}");
                }
            }
        }

        private static string Describe(SipMessage[] messages) => string.Join(", ", messages.Select(StartOf));

        private static string StartOf(SipMessage message) =>
            message is SipRequest request ? request.Method : ((SipResponse)message).StatusCode.ToString(CultureInfo.InvariantCulture);

        private static string Udp(SipStack stack) => stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address.ToString();

        private int Count(List<SipMessage> list)
        {
            lock (_seen)
            {
                return list.Count;
            }
        }

        private SipMessage[] Snapshot(List<SipMessage> list)
        {
            lock (_seen)
            {
                return [.. list];
            }
        }

        /// <summary>Each message once: a retransmission (same start, CSeq, branch and tag) is not a step of the flow.</summary>
        private void Record(List<SipMessage> list, string end, InboundMessage received)
        {
            // A copy: the received message's buffer belongs to the transport.
            Assert.True(SipMessageParser.TryParse(received.Message.ToArray(), out SipMessage? copy, out _));
            SipMessage message = copy!;
            string key = string.Create(
                CultureInfo.InvariantCulture,
                $"{end}|{StartOf(message)}|{message.CSeqNumber} {message.CSeqMethod}|{Encoding.ASCII.GetString(message.TopViaBranch)}|{Encoding.ASCII.GetString(message.ToTag)}");
            lock (_seen)
            {
                if (_seen.Add(key))
                {
                    list.Add(message);
                }
            }
        }
    }
}
