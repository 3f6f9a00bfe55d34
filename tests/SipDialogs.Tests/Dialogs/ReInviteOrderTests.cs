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
/// RFC 3261 §14.2 from a raw UDP peer, which can send what a stack would not: a re-INVITE before the ACK of the last
/// 2xx (UDP may reorder them; it is answered), a re-INVITE while an earlier one has no final response (500 with
/// Retry-After), and the ACK of a re-INVITE's 2xx after a later request of the peer (it still ends the 2xx's
/// retransmissions).
/// </summary>
public sealed class ReInviteOrderTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    [Fact]
    public async Task AReInviteThatOvertakesTheAckOfTheLast2xxIsAnswered()
    {
        await using var stack = new SipStack(Parties.Options(), Answerer());
        await stack.StartAsync();
        using var peer = new RawPeer(stack);

        SipResponse ok = await peer.AskAsync(1, toTag: null);
        SipResponse again = await peer.AskAsync(2, toTag: Encoding.ASCII.GetString(ok.ToTag)); // No ACK for the first 200 yet.

        Assert.Equal(200, again.StatusCode);
        await peer.AckAsync(2, Encoding.ASCII.GetString(ok.ToTag));
    }

    [Fact]
    public async Task AReInviteWhileTheLastHasNoFinalResponseGets500WithRetryAfter()
    {
        var held = new TaskCompletionSource<DialogRequestEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var stack = new SipStack(Parties.Options(), new IncomingCallUas(async (call, ct) =>
        {
            Dialog dialog = await call.AnswerAsync(null, cancellationToken: ct);
            dialog.RequestReceived += (_, e) =>
            {
                e.Defer();
                held.TrySetResult(e);
            };
            holding.TrySetResult();
        }));
        await stack.StartAsync();
        using var peer = new RawPeer(stack);
        SipResponse ok = await peer.AskAsync(1, toTag: null);
        string tag = Encoding.ASCII.GetString(ok.ToTag);
        await peer.AckAsync(1, tag);
        await holding.Task.WaitAsync(s_timeout); // A re-INVITE before the handler is attached would get the default 200.

        await peer.SendInviteAsync(2, tag);
        DialogRequestEventArgs first = await held.Task.WaitAsync(s_timeout);
        SipResponse second = await peer.AskAsync(3, tag);

        Assert.Equal(500, second.StatusCode);
        Assert.InRange(int.Parse(second.GetHeaderValue(SipHeaderKind.RetryAfter)!.Split(' ')[0], CultureInfo.InvariantCulture), 0, 10);
        await first.AcceptAsync();
    }

    [Fact]
    public async Task TheAckOfAReInviteStillCountsAfterALaterRequestOvertookIt()
    {
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var stack = new SipStack(Parties.Options(), new IncomingCallUas(async (call, ct) => answered.TrySetResult(await call.AnswerAsync(null, cancellationToken: ct))));
        await stack.StartAsync();
        using var peer = new RawPeer(stack);
        SipResponse ok = await peer.AskAsync(1, toTag: null);
        string tag = Encoding.ASCII.GetString(ok.ToTag);
        await peer.AckAsync(1, tag);
        Dialog dialog = await answered.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !dialog.IsAwaitingAck, s_timeout, "the first ACK arrives");

        // The peer sent an INFO while its re-INVITE was pending (RFC 3261 §14.1 allows it), and the INFO's CSeq 3
        // arrives before the ACK, which carries the re-INVITE's CSeq 2 (§13.2.2.4).
        Assert.Equal(200, (await peer.AskAsync(2, tag)).StatusCode);
        await stack.WhenIdleAsync(); // The 200 may reach the peer before the shard's turn that sent it has ended.
        Assert.True(dialog.IsAwaitingAck);
        Assert.Equal(200, (await peer.AskAsync(SipMethods.Info, 3, tag)).StatusCode);
        await peer.AckAsync(2, tag);

        // The ACK ends the 2xx's retransmissions, and the call stays up: no BYE for a missing ACK (§13.3.1.4).
        await Poll.UntilAsync(() => !dialog.IsAwaitingAck, s_timeout, "the ACK of the re-INVITE's 2xx is taken");
        Assert.Equal(DialogState.Confirmed, dialog.State);
        await stack.WhenIdleAsync();
        Assert.Equal(DialogState.Confirmed, dialog.State);
    }

    [Fact]
    public async Task TheSameInviteAfterItsTransactionEndedMakesNoSecondDialog()
    {
        // A peer whose T1 is longer than ours retransmits its INVITE after our transaction has ended (Timer L).
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var stack = new SipStack(Parties.Options(), Answerer(), timeProvider: time);
        await stack.StartAsync();
        using var peer = new RawPeer(stack);
        SipResponse ok = await peer.AskAsync(1, toTag: null);
        await peer.AckAsync(1, Encoding.ASCII.GetString(ok.ToTag));
        Dialog dialog = (await stack.FindDialogAsync(peer.CallId))!;
        await Poll.UntilAsync(() => !dialog.IsAwaitingAck, s_timeout, "the ACK arrives");
        time.Advance(TimeSpan.FromSeconds(4)); // 64*T1 with T1 = 50 ms: the INVITE transaction is gone.
        await Poll.UntilAsync(() => stack.TransactionCount == 0, s_timeout, "the INVITE transaction ends");

        SipResponse again = await peer.AskAsync(1, toTag: null);

        Assert.Equal(482, again.StatusCode);
        Assert.Equal(1, stack.DialogCount);
    }

    /// <summary>Answers every call as <c>sipdialogs serve</c> does.</summary>
    private static SipDialogs.Server.CallAnsweringUas Answerer() => new(new SipDialogs.Server.CallAnsweringOptions());

    /// <summary>A UAC written by hand over one UDP socket.</summary>
    private sealed class RawPeer : IDisposable
    {
        private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly IPEndPoint _server;
        private readonly string _callId = "raw-" + Guid.NewGuid().ToString("N");
        private readonly int _port;

        public string CallId => _callId;

        public RawPeer(SipStack stack)
        {
            _server = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;
            _port = ((IPEndPoint)_socket.Client.LocalEndPoint!).Port;
        }

        public Task<SipResponse> AskAsync(int cseq, string? toTag) => AskAsync(SipMethods.Invite, cseq, toTag);

        public async Task<SipResponse> AskAsync(string method, int cseq, string? toTag)
        {
            await SendAsync(method, cseq, toTag, "z9hG4bK-raw-" + method + cseq.ToString(CultureInfo.InvariantCulture));
            while (true)
            {
                UdpReceiveResult datagram = await _socket.ReceiveAsync().WaitAsync(s_timeout);
                if (SipMessageParser.TryParseResponse(datagram.Buffer, out SipResponse? response, out _) &&
                    response!.CSeqNumber == cseq && response.CSeqMethod == method && response.StatusCode >= 200)
                {
                    return response;
                }
            }
        }

        public Task SendInviteAsync(int cseq, string? toTag) => SendAsync(SipMethods.Invite, cseq, toTag, "z9hG4bK-raw-INVITE" + cseq.ToString(CultureInfo.InvariantCulture));

        public Task AckAsync(int cseq, string toTag) => SendAsync(SipMethods.Ack, cseq, toTag, "z9hG4bK-raw-ack-" + cseq.ToString(CultureInfo.InvariantCulture));

        public void Dispose() => _socket.Dispose();

        private async Task SendAsync(string method, int cseq, string? toTag, string branch)
        {
            string to = toTag is null ? "<sip:bob@127.0.0.1>" : "<sip:bob@127.0.0.1>;tag=" + toTag;
            string text = string.Create(
                CultureInfo.InvariantCulture,
                $"{method} sip:bob@{_server} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{_port};branch={branch};rport\r\nMax-Forwards: 70\r\n" +
                $"From: <sip:raw@127.0.0.1>;tag=raw1\r\nTo: {to}\r\nCall-ID: {_callId}\r\nCSeq: {cseq} {method}\r\n" +
                $"Contact: <sip:raw@127.0.0.1:{_port}>\r\nContent-Length: 0\r\n\r\n");
            await _socket.SendAsync(Encoding.ASCII.GetBytes(text), _server);
        }
    }
}
