using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// Glare (RFC 3261 §14) against SIPp as the callee (<c>tests/sipp/uas-glare.xml</c>): its re-INVITE crosses ours, we
/// answer it 491, it answers ours 491, and ours goes again after the delay of the Call-ID's owner and is answered.
/// SIPp checks every message on its side and exits 0 only when the whole flow went as written.
/// </summary>
public sealed class GlareTests
{
    private const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CrossingReInvitesBothGet491AndOursIsRetriedAfterTheCallIdOwnersDelay()
    {
        int port = UdpPorts.Free();
        await using ExternalProcess sipp = ExternalProcess.Start("sipp",
        [
            "-sf", Sipp.Scenario("tests/sipp/uas-glare.xml"), "-i", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture),
            "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error",
        ], Path.GetTempPath());
        await UdpPorts.WaitUntilBoundAsync(port, sipp, s_timeout);
        await using var caller = new SipStack(Parties.Options());
        await caller.StartAsync();

        OutgoingCall call = await caller.InviteAsync(
            "sip:service@127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);
        long started = TimeProvider.System.GetTimestamp();

        SipResponse reInvite = await dialog.ReInviteAsync(Offer.Replace("1 1 IN", "1 2 IN", StringComparison.Ordinal)).WaitAsync(s_timeout);
        TimeSpan took = TimeProvider.System.GetElapsedTime(started);

        Assert.Equal(200, reInvite.StatusCode);
        Assert.Equal(3u, reInvite.CSeqNumber); // The retry: CSeq 2 met 491.
        Assert.Contains("o=sipp 1 3 IN", Encoding.UTF8.GetString(reInvite.Body.Span), StringComparison.Ordinal);
        // We own the Call-ID (we sent the INVITE), so we waited 2.1 to 4 s before trying again (RFC 3261 §14.1).
        Assert.True(took >= TimeSpan.FromMilliseconds(2100), $"retried after {took}");
        Assert.Equal(DialogState.Confirmed, dialog.State);

        SipResponse bye = await dialog.ByeAsync().WaitAsync(s_timeout);
        Assert.Equal(200, bye.StatusCode);
        int exit = await sipp.Exited.WaitAsync(s_timeout);
        Assert.True(exit == 0, $"SIPp exited {exit}:\n{sipp.Output}");
        await Poll.UntilAsync(
            () => caller.DialogCount == 0 && caller.TransactionCount == 0 && caller.TimerCount == 0,
            s_timeout,
            $"dialogs {caller.DialogCount}, transactions {caller.TransactionCount}, timers {caller.TimerCount}");
        Assert.Equal(0, caller.HandlerFaults);
    }


}
