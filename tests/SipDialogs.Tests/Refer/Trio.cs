using System.Collections.Concurrent;
using System.Globalization;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Refer;

/// <summary>
/// Three stacks on loopback UDP for call transfer: the transferor (A), the transferee (B) and the transfer target (C).
/// Each answers calls with its handler; every dialog a stack answers is kept so a test can find and end it.
/// </summary>
internal sealed class Trio : IAsyncDisposable
{
    public const string Sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

    private Trio(SipStack transferor, SipStack transferee, SipStack target)
    {
        Transferor = transferor;
        Transferee = transferee;
        Target = target;
    }

    public SipStack Transferor { get; }

    public SipStack Transferee { get; }

    public SipStack Target { get; }

    /// <summary>The calls each stack received, in order.</summary>
    public ConcurrentDictionary<SipStack, ConcurrentQueue<IncomingCall>> Received { get; } = new();

    /// <summary>The dialogs each stack answered.</summary>
    public ConcurrentDictionary<SipStack, ConcurrentQueue<Dialog>> Answered { get; } = new();

    /// <summary>The transferee's options in most tests: a REFER no handler answers is accepted.</summary>
    public static void AcceptReferrals(SipStackOptions options) => options.Transfers.AcceptReferrals = true;

    /// <summary>Starts the three with the target's calls scripted by <paramref name="target"/>; the transferee accepts REFERs.</summary>
    public static Task<Trio> StartAsync(TargetCalls target, Action<SipStackOptions>? transferee = null) =>
        StartAsync(target.HandleAsync, transferee ?? AcceptReferrals);

    /// <summary>Starts the three; the target's calls go to <paramref name="atTarget"/> (answer by default).</summary>
    public static async Task<Trio> StartAsync(
        Func<IncomingCall, CancellationToken, Task>? atTarget = null, Action<SipStackOptions>? transferee = null,
        System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        Trio? trio = null;
        var pending = new TaskCompletionSource<Trio>(TaskCreationOptions.RunContinuationsAsynchronously);

        SipStack Make(Func<Trio, IncomingCall, CancellationToken, Task>? onCall, Action<SipStackOptions>? configure)
        {
            SipStackOptions options = Parties.Options();
            configure?.Invoke(options);
            SipStack? self = null;
            self = new SipStack(options, new IncomingCallUas(async (call, ct) =>
            {
                Trio parties = await pending.Task;
                parties.Received.GetOrAdd(self!, _ => new ConcurrentQueue<IncomingCall>()).Enqueue(call);
                if (onCall is not null)
                {
                    await onCall(parties, call, ct);
                    return;
                }

                await parties.AnswerAsync(self!, call, ct);
            }), meterFactory: meterFactory);
            return self;
        }

        SipStack a = Make(null, null);
        SipStack b = Make(null, transferee);
        SipStack c = Make(atTarget is null ? null : (_, call, ct) => atTarget(call, ct), null);
        await a.StartAsync();
        await b.StartAsync();
        await c.StartAsync();
        trio = new Trio(a, b, c);
        pending.SetResult(trio);
        return trio;
    }

    /// <summary>Answers a call with <see cref="Sdp"/> and keeps its dialog.</summary>
    public async Task<Dialog> AnswerAsync(SipStack stack, IncomingCall call, CancellationToken cancellationToken)
    {
        Dialog dialog = await call.AnswerAsync(Sdp, cancellationToken: cancellationToken);
        Answered.GetOrAdd(stack, _ => new ConcurrentQueue<Dialog>()).Enqueue(dialog);
        return dialog;
    }

    public static string UriOf(SipStack stack, string user)
    {
        SipEndPoint udp = stack.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp);
        return "sip:" + user + "@127.0.0.1:" + udp.Address.Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A Refer-To header line that names <paramref name="user"/> at the target.</summary>
    public string ReferTo(string user) => "Refer-To: <" + UriOf(Target, user) + ">";

    /// <summary>The status of each report of a transfer that has ended, in order (its NOTIFYs' sipfrags).</summary>
    public static async Task<int[]> ReportsAsync(Transfer transfer)
    {
        var reports = new List<int>();
        await foreach (SipFrag fragment in transfer.Progress.ReadAllAsync())
        {
            reports.Add(fragment.StatusCode ?? 0);
        }

        return [.. reports];
    }

    /// <summary>A calls B and both hold the confirmed dialog: the call to be transferred.</summary>
    public async Task<(Dialog AtTransferor, Dialog AtTransferee)> CallTransfereeAsync()
    {
        OutgoingCall call = await Transferor.InviteAsync(UriOf(Transferee, "bob"), new InviteOptions { From = "<sip:alice@example.com>", SessionDescription = Sdp });
        Dialog atA = await call.Answered.WaitAsync(CallTests.Timeout);
        await Poll.UntilAsync(() => Answered.TryGetValue(Transferee, out var d) && !d.IsEmpty, CallTests.Timeout, "B answered");
        Answered[Transferee].TryPeek(out Dialog? atB);
        return (atA, atB!);
    }

    /// <summary>The dialogs <paramref name="stack"/> answered, in order.</summary>
    public Dialog[] AnsweredBy(SipStack stack) => Answered.TryGetValue(stack, out var queue) ? queue.ToArray() : [];

    /// <summary>Every stack ends with no dialog, transaction, timer or subscription left, and no handler fault.</summary>
    public async Task AssertEverythingFreedAsync()
    {
        await Parties.AssertFreedAsync(Transferor, Transferee, Target);
        Assert.Equal(0, Transferor.HandlerFaults + Transferee.HandlerFaults + Target.HandlerFaults);
    }

    /// <summary>
    /// Everything is freed, and then no NOTIFY has reached <paramref name="peer"/> that the test did not take: any sent
    /// has arrived by now, since its transaction has ended.
    /// </summary>
    public async Task AssertEverythingFreedAsync(RawTransferor peer)
    {
        await AssertEverythingFreedAsync();
        Assert.False(peer.HasReceived(SipMethods.Notify), "a NOTIFY nobody expected");
    }

    public async ValueTask DisposeAsync()
    {
        await Transferor.DisposeAsync();
        await Transferee.DisposeAsync();
        await Target.DisposeAsync();
    }
}
