using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using SipDialogs.Hosting;
using SipDialogs.Server;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Server;

/// <summary><c>serve</c>'s answerer on a stack in the test, driven by SIPp on loopback.</summary>
public class CallAnsweringUasTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private static SipStack Answering(Action<CallAnsweringOptions>? configure = null, bool rfcTimers = false)
    {
        var options = new SipStackOptions();
        options.Listen.Add("udp:127.0.0.1:0");

        // Short timers so that Timer J/K and the no-ACK wait do not hold the tests; the RFC's where the stack must
        // keep SIPp's pace (SIPp retransmits for 64*500 ms), which a stack with T1 = 50 ms gives up on after 3.2 s.
        if (!rfcTimers)
        {
            options.Timers.T1 = TimeSpan.FromMilliseconds(50);
            options.Timers.T4 = TimeSpan.FromMilliseconds(100);
        }

        var answering = new CallAnsweringOptions();
        configure?.Invoke(answering);
        return new SipStack(options, new CallAnsweringUas(answering));
    }

    private static IPEndPoint Udp(SipStack stack) => stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;

    private static async Task AssertEverythingFreedAsync(SipStack stack, TimeSpan? timeout = null)
    {
        await Poll.UntilAsync(
            () => stack.DialogCount == 0 && stack.TransactionCount == 0 && stack.TimerCount == 0 && stack.SubscriptionCount == 0,
            timeout ?? s_timeout,
            () => $"dialogs {stack.DialogCount}, transactions {stack.TransactionCount}, timers {stack.TimerCount}, subscriptions {stack.SubscriptionCount}");
    }

    [Fact]
    public async Task SippUacCallsCompleteAndLeaveNoDialogTransactionOrTimer()
    {
        await using SipStack stack = Answering();
        await stack.StartAsync();

        SippResult result = await Sipp.RunAsync("-sn uac", Udp(stack), calls: 500, rate: 250, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        await AssertEverythingFreedAsync(stack);
    }

    [Fact]
    public async Task AFewThousandSippCallsLeaveNoDialogTransactionTimerOrSubscription()
    {
        // The short leak check; bench/sipp/soak.sh runs 100,000 calls against `serve` with the RFC's timers.
        await using SipStack stack = Answering();
        await stack.StartAsync();

        SippResult result = await Sipp.RunAsync(
            "-sn uac", Udp(stack), calls: 3000, rate: 1000, s_timeout, extra: ["-buff_size", "4194304", "-l", "3000"]);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        await AssertEverythingFreedAsync(stack);
        Assert.Equal(0, stack.HandlerFaults);
    }

    [Fact]
    public async Task RingingCallsGet180Then200()
    {
        await using SipStack stack = Answering(o => o.RingFor = TimeSpan.FromMilliseconds(100));
        await stack.StartAsync();

        SippResult result = await Sipp.RunAsync("-sn uac", Udp(stack), calls: 20, rate: 20, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        Assert.Matches(RowCount("180 <-+"), result.Output);
        await AssertEverythingFreedAsync(stack);
    }

    [Fact]
    public async Task A200ThatIsNeverAckedIsRetransmittedThenTheDialogEndsWithBye()
    {
        await using SipStack stack = Answering();
        await stack.StartAsync();

        SippResult result = await Sipp.RunAsync("tests/sipp/uac-no-ack.xml", Udp(stack), calls: 5, rate: 5, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        Match row = Regex.Match(result.Output, @"200 <-+\s+(?:E-RTD1\s+)?(\d+)\s+(\d+)");
        Assert.True(row.Success, result.Output);
        Assert.True(int.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture) >= 5, "The 200 was not retransmitted:\n" + result.Output);
        await AssertEverythingFreedAsync(stack);
    }

    [Fact]
    public async Task TheServerHangsUpAfterTheConfiguredTime()
    {
        await using SipStack stack = Answering(o => o.HangUpAfter = TimeSpan.FromMilliseconds(200));
        await stack.StartAsync();

        SippResult result = await Sipp.RunAsync("tests/sipp/uac-server-hangup.xml", Udp(stack), calls: 10, rate: 10, s_timeout);

        Assert.True(result.ExitCode == 0, $"SIPp exit {result.ExitCode}:\n{result.Output}");
        await AssertEverythingFreedAsync(stack);
    }

    private static Regex RowCount(string row) => new(row + @"\s+[1-9]");
}
