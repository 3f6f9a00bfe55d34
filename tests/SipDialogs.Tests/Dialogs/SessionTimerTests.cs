using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Dialogs;

/// <summary>Session timers (RFC 4028) between stacks and against SIPp; time moves only when the test moves it.</summary>
public sealed class SessionTimerTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    private static SipStackOptions Options(TimeSpan interval, TimeSpan minimum, bool enabled = true)
    {
        SipStackOptions options = Parties.Options();
        options.SessionTimers.Enabled = enabled;
        options.SessionTimers.MinimumInterval = minimum;
        options.SessionTimers.Interval = interval;
        return options;
    }

    private static IncomingCallUas Answering(TaskCompletionSource<Dialog> answered) =>
        new(async (call, ct) => answered.TrySetResult(await call.AnswerAsync(null, cancellationToken: ct)));

    private static string UriOf(SipStack stack) =>
        "sip:bob@" + stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

    [Fact]
    public async Task TheCallerRefreshesAtHalfTheIntervalAndTheCallOutlivesIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var caller = new SipStack(Options(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(90)), timeProvider: time);
        await using var callee = new SipStack(Options(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(90)), Answering(answered), timeProvider: time);
        await caller.StartAsync();
        await callee.StartAsync();

        OutgoingCall call = await caller.InviteAsync(UriOf(callee));
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);
        Dialog theirs = await answered.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !theirs.IsAwaitingAck, s_timeout, "the ACK arrives");
        int refreshes = 0;
        theirs.RequestReceived += (_, e) =>
        {
            if (e.Method == SipMethods.Update)
            {
                Interlocked.Increment(ref refreshes);
            }
        };

        Assert.Equal(TimeSpan.FromSeconds(90), dialog.SessionInterval);
        Assert.True(dialog.IsSessionRefresher);
        Assert.Equal(TimeSpan.FromSeconds(90), theirs.SessionInterval);
        Assert.False(theirs.IsSessionRefresher);

        for (int i = 1; i <= 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(45)); // 135 s in all: past the 90 s interval, refreshed twice over.
            int expected = i;
            await Poll.UntilAsync(() => Volatile.Read(ref refreshes) == expected, s_timeout, $"refresh {expected}");

            // The next refresh is due half an interval after the caller had this one's 2xx: wait until it has, or the
            // clock would move on before the refresh is scheduled from it.
            DateTimeOffset refreshedUntil = time.GetUtcNow() + TimeSpan.FromSeconds(60); // 90 s after this refresh, 45 s after the last.
            await Poll.UntilAsync(
                async () => (await dialog.CaptureSnapshotAsync())?.SessionExpiresAt > refreshedUntil, s_timeout, $"the caller has the 2xx of refresh {expected}");
            await callee.WhenIdleAsync();
        }

        Assert.Equal(DialogState.Confirmed, dialog.State);
        Assert.Equal(DialogState.Confirmed, theirs.State);
        SipResponse bye = await dialog.ByeAsync().WaitAsync(s_timeout);
        Assert.Equal(200, bye.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ADeadCallerCannotLeaveTheCalleesDialogBehind(bool callerAsksForTimers)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        var caller = new SipStack(Options(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(90), callerAsksForTimers), timeProvider: time);
        await using var callee = new SipStack(Options(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(90)), Answering(answered), timeProvider: time);
        await caller.StartAsync();
        await callee.StartAsync();
        OutgoingCall call = await caller.InviteAsync(UriOf(callee));
        await call.Answered.WaitAsync(s_timeout);
        Dialog theirs = await answered.Task.WaitAsync(s_timeout);
        await Poll.UntilAsync(() => !theirs.IsAwaitingAck, s_timeout, "the ACK arrives");

        // A caller that asked for timers refreshes (RFC 4028 §9); one that did not leaves the refreshing to the callee.
        Assert.Equal(!callerAsksForTimers, theirs.IsSessionRefresher);
        await caller.DisposeAsync(); // Gone without a BYE.

        // The callee BYEs 32 s before expiry, or its refresh UPDATE times out after 64*T1: either way the dialog ends.
        for (int i = 0; i < 10 && callee.DialogCount + callee.TransactionCount + callee.TimerCount > 0; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await callee.WhenIdleAsync();
            await Poll.UntilAsync(() => callee.TransactionCount == 0 || theirs.State == DialogState.Terminated, TimeSpan.FromSeconds(5), "the callee acts");
        }

        Assert.Equal(DialogState.Terminated, theirs.State);
        await Poll.UntilAsync(
            () => callee.DialogCount == 0 && callee.TransactionCount == 0 && callee.TimerCount == 0,
            s_timeout,
            $"dialogs {callee.DialogCount}, transactions {callee.TransactionCount}, timers {callee.TimerCount}");
    }

    [Fact]
    public async Task AnIntervalBelowTheCalleesMinimumGets422AndTheCallerAsksAgain()
    {
        var answered = new TaskCompletionSource<Dialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var caller = new SipStack(Options(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(90)));
        await using var callee = new SipStack(Options(TimeSpan.FromSeconds(1800), TimeSpan.FromSeconds(120)), Answering(answered));
        await caller.StartAsync();
        await callee.StartAsync();

        OutgoingCall call = await caller.InviteAsync(UriOf(callee));
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);

        Assert.Equal(2u, (uint)call.Request.CSeqNumber);
        Assert.Equal("120", call.Request.GetHeaderValue(SipHeaderKind.MinSE));
        Assert.Equal(TimeSpan.FromSeconds(120), dialog.SessionInterval);
        Assert.Equal(TimeSpan.FromSeconds(120), (await answered.Task.WaitAsync(s_timeout)).SessionInterval);
        await dialog.DisposeAsync();
    }

    [Fact]
    public async Task ASippCallerThatNeverRefreshesIsHungUpBeforeTheSessionExpires()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        SipStackOptions options = Options(TimeSpan.FromSeconds(1800), TimeSpan.FromSeconds(90));
        await using var stack = new SipStack(options, new SipDialogs.Server.CallAnsweringUas(new SipDialogs.Server.CallAnsweringOptions()), timeProvider: time);
        await stack.StartAsync();
        IPEndPoint target = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

        Task<SippResult> sipp = Sipp.RunAsync("tests/sipp/uac-session-timer.xml", target, calls: 1, rate: 1, s_timeout, extra: ["-cid_str", "session-timer-%u"]);
        Dialog? dialog = null;
        using (var cancel = new CancellationTokenSource(s_timeout))
        {
            while ((dialog = await stack.FindDialogAsync("session-timer-1", cancel.Token)) is null)
            {
                await Task.Yield();
            }
        }

        await Poll.UntilAsync(() => !dialog.IsAwaitingAck, s_timeout, "the ACK arrives");

        Assert.Equal(TimeSpan.FromSeconds(90), dialog!.SessionInterval);
        Assert.False(dialog.IsSessionRefresher);
        time.Advance(TimeSpan.FromSeconds(59)); // Not yet: the BYE is due 90 - min(32, 90/3) = 60 s after the 200.
        await stack.WhenIdleAsync();
        Assert.Equal(DialogState.Confirmed, dialog.State);
        time.Advance(TimeSpan.FromSeconds(2));

        SippResult result = await sipp;
        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        Assert.Equal(DialogState.Terminated, dialog.State);
    }

    [Fact]
    public async Task ACalleeWhoseAllowLacksUpdateIsRefreshedByReInviteNotUpdate()
    {
        // baresip lists no UPDATE in Allow; refreshing it by UPDATE cost a 501 and a retry (RFC 4028 §7.4).
        int port = UdpPorts.Free();
        await using ExternalProcess sipp = ExternalProcess.Start("sipp",
        [
            "-sf", Sipp.Scenario("tests/sipp/uas-no-update.xml"), "-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error",
        ], Path.GetTempPath());
        await UdpPorts.WaitUntilBoundAsync(port, sipp, s_timeout);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var caller = new SipStack(Options(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(90)), timeProvider: time);
        await caller.StartAsync();

        OutgoingCall call = await caller.InviteAsync(
            "sip:service@127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new InviteOptions { SessionDescription = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n" });
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);
        Assert.True(dialog.IsSessionRefresher);
        DialogSnapshot answered = await dialog.Shard!.RunAsync(static d => d.CaptureSnapshot(), dialog).AsTask().WaitAsync(s_timeout);
        Assert.False(answered.PeerAllowsUpdate);

        time.Advance(TimeSpan.FromSeconds(45)); // Half the interval: the refresh is due.
        using (var cancel = new CancellationTokenSource(s_timeout))
        {
            // The refresh's 2xx moves the expiry on by the time advanced; SIPp fails the scenario on an UPDATE.
            while ((await dialog.Shard.RunAsync(static d => d.CaptureSnapshot(), dialog, cancel.Token)).SessionExpiresAt <= answered.SessionExpiresAt)
            {
                await Task.Yield();
            }
        }

        SipResponse bye = await dialog.ByeAsync().WaitAsync(s_timeout);
        Assert.Equal(200, bye.StatusCode);
        int exit = await sipp.Exited.WaitAsync(s_timeout);
        Assert.True(exit == 0, $"SIPp exited {exit}:\n{sipp.Output}");
    }
}
