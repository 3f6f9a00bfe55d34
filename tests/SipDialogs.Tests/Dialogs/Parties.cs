using System.Globalization;
using System.Net;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// Two stacks on loopback UDP: a caller with the default UAS and a callee whose calls go to a handler. Short timers
/// (T1 = 50 ms) so that lingering transactions end within a test.
/// </summary>
internal sealed class Parties : IAsyncDisposable
{
    private Parties(SipStack caller, SipStack callee)
    {
        Caller = caller;
        Callee = callee;
        CalleeEndPoint = callee.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;
        CalleePort = ":" + CalleeEndPoint.Port.ToString(CultureInfo.InvariantCulture);
        CalleeUri = "sip:bob@127.0.0.1" + CalleePort;
    }

    public SipStack Caller { get; }

    public SipStack Callee { get; }

    public IPEndPoint CalleeEndPoint { get; }

    public string CalleePort { get; }

    public string CalleeUri { get; }

    public static SipStackOptions Options()
    {
        var options = new SipStackOptions();
        options.Listen.Add("udp:127.0.0.1:0");
        options.Timers.T1 = TimeSpan.FromMilliseconds(50);
        options.Timers.T4 = TimeSpan.FromMilliseconds(100);
        options.Timers.TimerD = options.Timers.SixtyFourT1;
        return options;
    }

    public static async Task<Parties> StartAsync(Func<IncomingCall, CancellationToken, Task> onCall)
    {
        var caller = new SipStack(Options());
        var callee = new SipStack(Options(), new IncomingCallUas(onCall));
        await caller.StartAsync();
        await callee.StartAsync();
        return new Parties(caller, callee);
    }

    /// <summary>Both stacks end with no dialog, transaction, timer or subscription left.</summary>
    public Task AssertEverythingFreedAsync() => AssertFreedAsync(Caller, Callee);

    /// <summary>Each stack ends with no dialog, transaction, timer or subscription left.</summary>
    public static async Task AssertFreedAsync(params SipStack[] stacks)
    {
        foreach (SipStack stack in stacks)
        {
            await Poll.UntilAsync(
                () => stack.DialogCount == 0 && stack.TransactionCount == 0 && stack.TimerCount == 0 && stack.SubscriptionCount == 0,
                CallTests.Timeout,
                $"dialogs {stack.DialogCount}, transactions {stack.TransactionCount}, timers {stack.TimerCount}, subscriptions {stack.SubscriptionCount}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Caller.DisposeAsync();
        await Callee.DisposeAsync();
    }
}
