using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// The RFC 3665 session flows with our UAC as Alice and our UAS as Bob over loopback UDP, with Kamailio as the
/// proxies where the flow has them. Each step is asserted: the messages each end receives are, in order, the ones the
/// flow shows arriving there (its F numbers, read from the flow's own file), and each end's API tells the same story.
/// </summary>
public sealed class Rfc3665FlowTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;
    private const string AliceOffer = "v=0\r\no=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\n";
    private const string BobAnswer = "v=0\r\no=bob 2890844527 2890844527 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";

    [Fact]
    public async Task Flow3_1SuccessfulSessionEstablishment()
    {
        var bobDialog = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        var aliceHeardRinging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var flow = await Flow.StartAsync(async (call, ct) =>
        {
            await call.RingAsync(ct); // F2
            await aliceHeardRinging.Task.WaitAsync(ct); // UDP may reorder a 180 and a 200 sent back to back.
            bobDialog.TrySetResult(await call.AnswerAsync(BobAnswer, cancellationToken: ct)); // F3
        });

        OutgoingCall call = await flow.Alice.InviteAsync(flow.BobUri, new InviteOptions { SessionDescription = AliceOffer }); // F1
        await CallTests.ReadProgressAsync(call, 180);
        aliceHeardRinging.SetResult();
        Dialog alice = await call.Answered.WaitAsync(s_timeout); // F4 ACK goes with it
        Dialog bob = await bobDialog.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !bob.IsAwaitingAck, s_timeout, "Bob has Alice's ACK (F4)");
        Task<DialogStateChangedEventArgs> aliceEnds = CallTests.NextStateAsync(alice, DialogState.Terminated);
        SipResponse ok = await bob.ByeAsync().WaitAsync(s_timeout); // F5, F6

        Assert.Equal(200, ok.StatusCode);
        await aliceEnds.WaitAsync(s_timeout);
        await flow.AssertStepsAsync("rfc3665_3.01", alice: [2, 3, 5], bob: [1, 4, 6]);
    }

    [Fact]
    public async Task Flow3_7SessionWithReInviteAfterAnIpAddressChange()
    {
        var bobDialog = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using KamailioProcess proxy2 = await KamailioProcess.StartAsync("tests/kamailio/record-route.cfg", "NO_RECORD_ROUTE");
        var aliceHeardRinging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var flow = await Flow.StartAsync(async (call, ct) =>
        {
            await call.RingAsync(ct); // F4
            await aliceHeardRinging.Task.WaitAsync(ct);
            bobDialog.TrySetResult(await call.AnswerAsync(BobAnswer, cancellationToken: ct)); // F6
        });
        var reInvite = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        OutgoingCall call = await flow.Alice.InviteAsync(flow.BobUri, Flow.Through(proxy2)); // F1, F2
        await CallTests.ReadProgressAsync(call, 180); // F5
        aliceHeardRinging.SetResult();
        Dialog alice = await call.Answered.WaitAsync(s_timeout); // F7, F8
        alice.RequestReceived += (_, e) => reInvite.TrySetResult(Encoding.UTF8.GetString(e.Body.Span)); // F9, answered F10 by default
        Dialog bob = await bobDialog.Task.WaitAsync(s_timeout);

        Assert.Empty(alice.RouteSet); // Proxy 2 did not record-route: the ACK and the rest go straight to Bob.
        string newAddress = BobAnswer.Replace("c=IN IP4 127.0.0.1", "c=IN IP4 127.0.0.2", StringComparison.Ordinal);
        SipResponse ok = await bob.ReInviteAsync(newAddress).WaitAsync(s_timeout); // F9, F10, F11
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal(newAddress, await reInvite.Task.WaitAsync(s_timeout));
        Assert.Equal(AliceOffer, Encoding.UTF8.GetString(ok.Body.Span)); // Alice answers with her session.

        Task<DialogStateChangedEventArgs> bobEnds = CallTests.NextStateAsync(bob, DialogState.Terminated);
        Assert.Equal(200, (await alice.ByeAsync().WaitAsync(s_timeout)).StatusCode); // F12, F13
        await bobEnds.WaitAsync(s_timeout);
        await flow.AssertStepsAsync("rfc3665_3.07", alice: [3, 5, 7, 9, 11, 13], bob: [2, 8, 10, 12]);
    }

    [Fact]
    public async Task Flow3_8UnsuccessfulNoAnswer()
    {
        var ringing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bobCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using KamailioProcess proxy1 = await KamailioProcess.StartAsync();
        await using KamailioProcess proxy2 = await KamailioProcess.StartAsync();
        await using var flow = await Flow.StartAsync(async (call, ct) =>
        {
            await call.RingAsync(ct); // F6
            ringing.TrySetResult();
            await Task.Delay(s_timeout, ct).ContinueWith(_ => bobCancelled.TrySetResult(), TaskScheduler.Default); // No answer.
        });
        using var cancel = new CancellationTokenSource();

        OutgoingCall call = await flow.Alice.InviteAsync(flow.BobUri, Flow.Through(proxy1, proxy2), cancel.Token); // F1, F2, F4
        await CallTests.ReadProgressAsync(call, 180); // F8
        await ringing.Task.WaitAsync(s_timeout);
        await cancel.CancelAsync(); // F9

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Answered.WaitAsync(s_timeout)); // F19
        await bobCancelled.Task.WaitAsync(s_timeout); // F13
        await flow.AssertStepsAsync("rfc3665_3.08", alice: [3, 8, 10, 19], bob: [4, 13, 16]);
    }

    [Fact]
    public async Task Flow3_9UnsuccessfulBusy()
    {
        await using KamailioProcess proxy1 = await KamailioProcess.StartAsync();
        await using KamailioProcess proxy2 = await KamailioProcess.StartAsync();
        await using var flow = await Flow.StartAsync(async (call, ct) => await call.RejectAsync(486, cancellationToken: ct)); // F6

        OutgoingCall call = await flow.Alice.InviteAsync(flow.BobUri, Flow.Through(proxy1, proxy2)); // F1, F2, F4
        var busy = await Assert.ThrowsAsync<SipCallFailedException>(() => call.Answered.WaitAsync(s_timeout)); // F10

        Assert.Equal(486, busy.StatusCode);
        await flow.AssertStepsAsync("rfc3665_3.09", alice: [3, 10], bob: [4, 7]);
    }

    [Fact]
    public async Task Flow3_10UnsuccessfulNoResponseFromUserAgent()
    {
        await using KamailioProcess proxy1 = await KamailioProcess.StartAsync();
        await using KamailioProcess proxy2 = await KamailioProcess.StartAsync();
        await using var flow = await Flow.StartAsync((_, _) => Task.CompletedTask);
        using var silentBob = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)); // Bob is gone: nothing answers.
        int port = ((IPEndPoint)silentBob.Client.LocalEndPoint!).Port;
        Task<int> copies = CountCopiesAsync(silentBob);

        OutgoingCall call = await flow.Alice.InviteAsync(
            string.Create(CultureInfo.InvariantCulture, $"sip:bob@127.0.0.1:{port}"), Flow.Through(proxy1, proxy2)); // F1, F2, F4
        var unavailable = await Assert.ThrowsAsync<SipCallFailedException>(() => call.Answered.WaitAsync(s_timeout)); // F14

        Assert.Equal(480, unavailable.StatusCode);
        Assert.True(await copies >= 3, "Proxy 2 retransmits the INVITE to Bob (F6–F11).");
        await flow.AssertStepsAsync("rfc3665_3.10", alice: [3, 14], bob: []);
    }

    [Fact]
    public async Task Flow3_11UnsuccessfulTemporarilyUnavailable()
    {
        await using KamailioProcess proxy1 = await KamailioProcess.StartAsync();
        await using KamailioProcess proxy2 = await KamailioProcess.StartAsync();
        var aliceHeardRinging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var flow = await Flow.StartAsync(async (call, ct) =>
        {
            await call.RingAsync(ct); // F6
            await aliceHeardRinging.Task.WaitAsync(ct);
            await call.RejectAsync(480, cancellationToken: ct); // F9
        });

        OutgoingCall call = await flow.Alice.InviteAsync(flow.BobUri, Flow.Through(proxy1, proxy2)); // F1, F2, F4
        SipResponse ringing = await CallTests.ReadProgressAsync(call, 180); // F8
        aliceHeardRinging.SetResult();
        var unavailable = await Assert.ThrowsAsync<SipCallFailedException>(() => call.Answered.WaitAsync(s_timeout)); // F13

        Assert.Equal(2, ringing.RecordRoute.Count); // Both proxies record-route.
        Assert.Equal(480, unavailable.StatusCode);
        Assert.Equal(DialogState.Terminated, Assert.Single(call.Dialogs).State); // The early dialog of F8 ends with F13.
        await flow.AssertStepsAsync("rfc3665_3.11", alice: [3, 8, 13], bob: [4, 10]);
    }

    /// <summary>Counts the copies of the first request a socket receives (the same branch), until none came for a while.</summary>
    private static async Task<int> CountCopiesAsync(UdpClient socket)
    {
        string? branch = null;
        int copies = 0;
        while (true)
        {
            UdpReceiveResult datagram;
            try
            {
                datagram = await socket.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                return copies;
            }

            if (SipMessageParser.TryParseRequest(datagram.Buffer, out SipRequest? request, out _) && request!.Method == SipMethods.Invite)
            {
                string current = Encoding.ASCII.GetString(request.TopViaBranch);
                branch ??= current;
                copies += current == branch ? 1 : 0;
            }
        }
    }

    /// <summary>Alice and Bob, each recording the messages it receives (each once: retransmissions are not steps).</summary>
    private sealed class Flow : IAsyncDisposable
    {
        private readonly List<string> _alice = [];
        private readonly List<string> _bob = [];
        private readonly HashSet<string> _seen = [];

        private Flow(SipStack alice, SipStack bob)
        {
            Alice = alice;
            Bob = bob;
            alice.Inbound = message => Record(_alice, "alice", message);
            bob.Inbound = message => Record(_bob, "bob", message);
            BobUri = "sip:bob@" + bob.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;
        }

        public SipStack Alice { get; }

        public SipStack Bob { get; }

        public string BobUri { get; }

        public static async Task<Flow> StartAsync(Func<IncomingCall, CancellationToken, Task> bob)
        {
            SipStackOptions aliceOptions = Parties.Options();
            SipStackOptions bobOptions = Parties.Options();
            aliceOptions.SessionTimers.Enabled = false; // The RFC 3665 flows predate RFC 4028.
            bobOptions.SessionTimers.Enabled = false;
            bobOptions.Timers.TryingDelay = Timeout.InfiniteTimeSpan; // Bob answers at once or rings; the flows show no 100 from him.
            var alice = new SipStack(aliceOptions);
            var callee = new SipStack(bobOptions, new IncomingCallUas(bob));
            await alice.StartAsync();
            await callee.StartAsync();
            return new Flow(alice, callee);
        }

        /// <summary>Options that send the INVITE through the proxies, in order, with a preloaded route set (RFC 3261 §8.1.2).</summary>
        public static InviteOptions Through(params KamailioProcess[] proxies)
        {
            var options = new InviteOptions { SessionDescription = AliceOffer, NextHop = new SipEndPoint(SipTransportProtocol.Udp, proxies[0].Udp) };
            foreach (KamailioProcess proxy in proxies)
            {
                options.Routes.Add("<sip:" + proxy.Udp + ";lr>");
            }

            return options;
        }

        /// <summary>Each end received exactly the flow's messages at its F numbers, in order; then nothing is left.</summary>
        public async Task AssertStepsAsync(string flow, int[] alice, int[] bob)
        {
            IReadOnlyList<byte[]> messages = CallFlows.Bytes(flow);
            string[] expectedAlice = [.. alice.Select(f => StartOf(messages[f - 1]))];
            string[] expectedBob = [.. bob.Select(f => StartOf(messages[f - 1]))];
            await Poll.UntilAsync(() => Count(_alice) >= expectedAlice.Length && Count(_bob) >= expectedBob.Length, s_timeout, $"{flow}: the last steps arrive");

            Assert.Equal(string.Join(", ", expectedAlice), Snapshot(_alice));
            Assert.Equal(string.Join(", ", expectedBob), Snapshot(_bob));
            foreach (SipStack stack in new[] { Alice, Bob })
            {
                await Poll.UntilAsync(
                    () => stack.DialogCount == 0 && stack.TransactionCount == 0 && stack.TimerCount == 0,
                    s_timeout,
                    $"dialogs {stack.DialogCount}, transactions {stack.TransactionCount}, timers {stack.TimerCount}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await Bob.DisposeAsync();
        }

        private static string StartOf(byte[] message)
        {
            string line = Encoding.ASCII.GetString(message, 0, Array.IndexOf(message, (byte)'\r'));
            return line.StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? line.Substring(8, 3) : line[..line.IndexOf(' ', StringComparison.Ordinal)];
        }

        private static string TokenOf(SipMessage message) =>
            message is SipRequest request ? request.Method : ((SipResponse)message).StatusCode.ToString(CultureInfo.InvariantCulture);

        private int Count(List<string> list)
        {
            lock (_seen)
            {
                return list.Count;
            }
        }

        private string Snapshot(List<string> list)
        {
            lock (_seen)
            {
                return string.Join(", ", list);
            }
        }

        private void Record(List<string> list, string end, InboundMessage received)
        {
            SipMessage message = received.Message;
            string token = TokenOf(message);
            string key = string.Create(
                CultureInfo.InvariantCulture,
                $"{end}|{token}|{message.CSeqNumber} {message.CSeqMethod}|{Encoding.ASCII.GetString(message.TopViaBranch)}|{Encoding.ASCII.GetString(message.ToTag)}");
            lock (_seen)
            {
                if (_seen.Add(key))
                {
                    list.Add(token);
                }
            }
        }
    }
}
