using System.Globalization;
using System.Net;
using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Refer;

/// <summary>
/// The RFC 3515 §4 call flows against the stack as Agent B, the notifier, with a raw socket as Agent A sending the
/// flow's own REFERs (read from its file, given real addresses and a real Refer-To: a third stack, the target), and
/// with our stack as Agent A too. Each message A receives is compared with the flow's, field by field where the flow
/// is specific: start line, CSeq method, Call-ID, A's tag, Event, Subscription-State, Content-Type, the sipfrag.
/// </summary>
public sealed class Rfc3515FlowTests
{
    private const string Prototypical = "rfc3515_4.1";
    private const string MultipleRefers = "rfc3515_4.2";
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    [Fact]
    public async Task Flow4_1PrototypicalReferOutsideAnyDialog()
    {
        var target = new TargetCalls();
        target.Answer("carol"); // At once: no 180, so F5 is the only NOTIFY after F3.
        await using Trio trio = await Trio.StartAsync(target);
        await using var a = new RawTransferor(trio.Transferee); // Plays A; the trio's own transferor stays idle.
        List<SipMessage> flow = Flow(Prototypical, a, Trio.UriOf(trio.Target, "carol"), null);
        a.Dialog = new RawDialog(flow[0].CallId, flow[0].CSeqNumber);

        await a.SendAsync(Encoding.UTF8.GetString(flow[0].ToArray())); // F1
        SipResponse f2 = await a.FinalResponseAsync(flow[0].CSeqNumber, SipMethods.Refer);
        SipRequest f3 = await a.NotifyAsync(); // F4 answers it.
        SipRequest f5 = await a.NotifyAsync(); // F6 answers it.

        AssertLike(flow[1], f2);
        Assert.False(f2.ToTag.IsEmpty);
        Assert.NotEmpty(f2.Contact);
        AssertLike(flow[2], f3);
        AssertLike(flow[4], f5);
        AssertNotifierDialog(f2, f3, f5);
        Assert.Equal("93809823", f3.Event!.Id); // RFC 3515 §2.4.6: the REFER's CSeq, though the flow's F3 omits it.
        Assert.Equal(f3.Event.Id, f5.Event!.Id);
        Assert.Equal(StepsAt(Prototypical, [2, 3, 5]), a.Steps);

        await target.HangUpAsync("carol");
        await trio.AssertEverythingFreedAsync(a);
    }

    [Fact]
    public async Task Flow4_2MultipleRefersInADialog()
    {
        var target = new TargetCalls(); // Carol and Dave ring until told: the first subscription lives on while F7 comes.
        await using Trio trio = await Trio.StartAsync(target);
        await using var a = new RawTransferor(trio.Transferee);
        List<SipMessage> first = Flow(Prototypical, a, Trio.UriOf(trio.Target, "carol"), null);
        a.Dialog = new RawDialog(first[0].CallId, first[0].CSeqNumber);
        await a.SendAsync(Encoding.UTF8.GetString(first[0].ToArray())); // F1
        SipResponse f2 = await a.FinalResponseAsync(first[0].CSeqNumber, SipMethods.Refer);
        uint carol = first[0].CSeqNumber;
        await a.NotifyAsync(carol); // F3, F4
        await target.RingingAsync("carol");
        await a.NotifyAsync(carol); // 180 Ringing: the first referred call still rings.

        string tagOfB = Encoding.ASCII.GetString(f2.ToTag);
        List<SipMessage> flow = Flow(MultipleRefers, a, Trio.UriOf(trio.Target, "dave"), tagOfB);
        uint dave = flow[0].CSeqNumber;
        Assert.Equal(carol + 1, dave);
        await a.SendAsync(Encoding.UTF8.GetString(flow[0].ToArray())); // F7, in the dialog F2 made
        SipResponse f8 = await a.FinalResponseAsync(dave, SipMethods.Refer);
        SipRequest f9 = await a.NotifyAsync(dave); // F10 answers it.
        await target.RingingAsync("dave");
        await a.NotifyAsync(dave);
        target.Answer("carol");
        SipRequest carolDone = await a.NotifyAsync(carol);
        target.Answer("dave");
        SipRequest f11 = await a.NotifyAsync(dave); // F12 answers it.

        AssertLike(flow[1], f8);
        AssertLike(flow[2], f9);
        AssertLike(flow[4], f11);
        AssertLike(first[4], carolDone);
        Assert.Equal(tagOfB, Encoding.ASCII.GetString(f8.ToTag));
        AssertNotifierDialog(f2, f9, f11);
        AssertNotifierDialog(f2, carolDone);
        Assert.Equal(["202", "NOTIFY", "NOTIFY", "202", "NOTIFY", "NOTIFY", "NOTIFY", "NOTIFY"], a.Steps);

        await target.HangUpAsync("carol");
        await target.HangUpAsync("dave");
        await trio.AssertEverythingFreedAsync(a);
    }

    [Fact]
    public async Task Flow4_1WithOurStackAsAgentA()
    {
        var target = new TargetCalls();
        await using Trio trio = await Trio.StartAsync(target);

        Transfer transfer = await trio.Transferor.ReferAsync(Trio.UriOf(trio.Transferee, "b"), Trio.UriOf(trio.Target, "carol")); // F1
        Assert.Equal(202, (await transfer.Response.WaitAsync(s_timeout)).StatusCode); // F2
        await target.RingingAsync("carol");

        Assert.NotNull(transfer.Dialog); // F2 made it; it lasts as long as the subscription.
        Assert.Equal(1, trio.Transferor.DialogCount);
        Assert.Equal(1, trio.Transferor.SubscriptionCount);
        Assert.Equal(1, trio.Transferee.SubscriptionCount);
        target.Answer("carol");
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout); // F5
        Assert.Equal(TransferResult.Succeeded, outcome.Result);
        Assert.Equal(200, outcome.StatusCode);
        Assert.Equal("noresource", outcome.SubscriptionReason);
        int[] reports = await Trio.ReportsAsync(transfer);
        Assert.Equal([100, 180, 200], reports);
        await target.HangUpAsync("carol");
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task Flow4_1WithOurStackAsAgentAWhenF3OvertakesF2()
    {
        await using var a = new SipStack(Parties.Options());
        await a.StartAsync();
        await using var b = new RawSipSocket(); // Agent B, whose F3 NOTIFY arrives before its F2 202 (RFC 6665 §4.1.2.4).
        string bUri = "sip:b@127.0.0.1:" + b.Port;

        Transfer transfer = await a.ReferAsync(bUri, "sip:carol@127.0.0.1:5999"); // F1
        (SipRequest f1, IPEndPoint from) = await b.ReceiveRequestAsync(s_timeout);
        string f3 = Notify(f1, bUri, 1, "active;expires=60", "SIP/2.0 100 Trying\r\n");
        await b.SendAsync(f3, from);
        SipResponse f4 = await b.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Notify, s_timeout);
        await b.SendAsync(SipMessageBuilder.ResponseTo(f1, 202, toTag: "b-tag").Add(SipHeaderKind.Contact, "<" + bUri + ">"), from); // F2
        SipResponse f2 = await transfer.Response.WaitAsync(s_timeout);
        await b.SendAsync(Notify(f1, bUri, 2, "terminated;reason=noresource", "SIP/2.0 200 OK\r\n"), from); // F5
        SipResponse f6 = await b.ReceiveResponseAsync(r => r.CSeqMethod == SipMethods.Notify && r.CSeqNumber == 2, s_timeout);
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);

        Assert.Equal(200, f4.StatusCode); // The NOTIFY made the dialog.
        Assert.Equal(202, f2.StatusCode);
        Assert.NotNull(transfer.Dialog);
        Assert.Equal(200, f6.StatusCode);
        Assert.Equal(TransferResult.Succeeded, outcome.Result);
        Assert.Equal("noresource", outcome.SubscriptionReason);
        await Poll.UntilAsync(
            () => a.DialogCount == 0 && a.TransactionCount == 0 && a.TimerCount == 0 && a.SubscriptionCount == 0,
            s_timeout,
            $"dialogs {a.DialogCount}, transactions {a.TransactionCount}, timers {a.TimerCount}, subscriptions {a.SubscriptionCount}");
    }

    /// <summary>A NOTIFY from raw Agent B in the dialog of REFER <paramref name="refer"/>.</summary>
    private static string Notify(SipRequest refer, string bUri, int cseq, string state, string sipfrag) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"NOTIFY {refer.Contact[0].Address!.Uri} SIP/2.0\r\nVia: SIP/2.0/UDP {bUri[6..]};branch=z9hG4bK-b-{cseq}\r\nMax-Forwards: 70\r\n" +
            $"From: <{bUri}>;tag=b-tag\r\nTo: {refer.GetHeaderValue(SipHeaderKind.From)}\r\nCall-ID: {refer.CallId}\r\nCSeq: {cseq} NOTIFY\r\n" +
            $"Contact: <{bUri}>\r\nEvent: refer;id={refer.CSeqNumber}\r\nSubscription-State: {state}\r\n" +
            $"Content-Type: message/sipfrag;version=2.0\r\nContent-Length: {sipfrag.Length}\r\n\r\n{sipfrag}");

    /// <summary>
    /// The messages of a flow file with real addresses: A is the raw socket, B the stack, the Refer-To placeholder
    /// <paramref name="referTo"/>, and B's tag <paramref name="tagOfB"/> when known. A keeps the flow's own tag,
    /// Call-ID and CSeq numbers.
    /// </summary>
    private static List<SipMessage> Flow(string prefix, RawTransferor a, string referTo, string? tagOfB)
    {
        var messages = new List<SipMessage>();
        foreach (byte[] bytes in CallFlows.Bytes(prefix))
        {
            string text = Encoding.UTF8.GetString(bytes)
                .Replace("SIP/2.0/UDP agenta.atlanta.example.com", "SIP/2.0/UDP " + a.Address, StringComparison.Ordinal)
                .Replace("sip:a@atlanta.example.com", "sip:a@" + a.Address, StringComparison.Ordinal)
                .Replace("sip:b@atlanta.example.com", a.StackUri, StringComparison.Ordinal)
                .Replace("(whatever URI)", "<" + referTo + ">", StringComparison.Ordinal)
                .Replace("(some different URI)", "<" + referTo + ">", StringComparison.Ordinal);
            if (tagOfB is not null)
            {
                text = text.Replace("tag=4992881234", "tag=" + tagOfB, StringComparison.Ordinal);
            }

            Assert.True(SipMessageParser.TryParse(Encoding.UTF8.GetBytes(text), out SipMessage? message, out SipParseError error), $"{prefix}: {error}");
            messages.Add(message!);
        }

        return messages;
    }

    /// <summary>The start of each message the flow shows at its F numbers (of the file's first message, F1 or F7).</summary>
    private static string[] StepsAt(string prefix, int[] numbers)
    {
        IReadOnlyList<byte[]> messages = CallFlows.Bytes(prefix);
        return [.. numbers.Select(f => StartOf(Parse(messages[f - 1])))];
    }

    private static SipMessage Parse(byte[] bytes)
    {
        Assert.True(SipMessageParser.TryParse(bytes, out SipMessage? message, out SipParseError error), error.ToString());
        return message!;
    }

    private static string StartOf(SipMessage message) =>
        message is SipRequest request ? request.Method : ((SipResponse)message).StatusCode.ToString(CultureInfo.InvariantCulture);

    /// <summary>A message from B matches the flow's where the flow is specific.</summary>
    private static void AssertLike(SipMessage expected, SipMessage actual)
    {
        string step = StartOf(expected) + " " + expected.CSeqMethod;
        Assert.True(StartOf(expected) == StartOf(actual), $"{step}: got {RawSipSocket.Describe(actual)}");
        Assert.Equal(expected.CSeqMethod, actual.CSeqMethod);
        Assert.Equal(expected.CallId, actual.CallId);
        Assert.Equal(expected.IndexOfHeader(SipHeaderKind.Contact) >= 0, actual.IndexOfHeader(SipHeaderKind.Contact) >= 0);
        Assert.Equal(expected.GetHeaderValue(SipHeaderKind.ContentType), actual.GetHeaderValue(SipHeaderKind.ContentType));
        if (expected is SipRequest request)
        {
            var notify = (SipRequest)actual;
            Assert.Equal(request.RequestUri.ToString(), notify.RequestUri.ToString()); // A's Contact (RFC 3261 §12.2.1.1).
            Assert.Equal(request.MaxForwards, notify.MaxForwards);
            Assert.Equal(Encoding.ASCII.GetString(request.ToTag), Encoding.ASCII.GetString(notify.ToTag)); // A's tag
        }
        else
        {
            Assert.Equal(Encoding.ASCII.GetString(expected.FromTag), Encoding.ASCII.GetString(actual.FromTag)); // A's tag
        }

        if (expected.Event is { } expectedEvent)
        {
            Assert.Equal(expectedEvent.Package, actual.Event?.Package);
            if (expectedEvent.Id is { } id)
            {
                Assert.Equal(id, actual.Event!.Id);
            }
        }

        if (expected.GetHeaderValue(SipHeaderKind.SubscriptionState) is { } state)
        {
            SubscriptionStateHeader got = actual.SubscriptionState!;
            string[] parts = state.Split(';');
            Assert.Equal(parts[0], got.State);
            if (Array.Find(parts, p => p.StartsWith("reason=", StringComparison.Ordinal)) is { } reason)
            {
                Assert.Equal(reason["reason=".Length..], got.Reason);
            }

            if (got.IsActive)
            {
                Assert.InRange(got.Expires ?? 0, 1u, 60u); // "Depends on Refer-To URI": the stack grants 60 s by default.
            }
        }

        if (!expected.Body.IsEmpty)
        {
            Assert.True(SipFrag.TryParse(expected.Body.Span, out SipFrag? shown, out _));
            Assert.True(SipFrag.TryParse(actual.Body.Span, out SipFrag? sent, out SipParseError error), $"{step}: {error}");
            Assert.Equal(shown!.StatusCode, sent!.StatusCode);
            Assert.Equal(shown.ReasonPhrase, sent.ReasonPhrase);
        }
    }

    /// <summary>B's messages belong to one dialog: the tag of its 202, and NOTIFY CSeq numbers that rise.</summary>
    private static void AssertNotifierDialog(SipResponse accepted, params SipRequest[] notifies)
    {
        string tag = Encoding.ASCII.GetString(accepted.ToTag);
        uint last = 0;
        foreach (SipRequest notify in notifies)
        {
            Assert.Equal(tag, Encoding.ASCII.GetString(notify.FromTag));
            Assert.True(notify.CSeqNumber > last, "NOTIFY CSeq numbers rise");
            last = notify.CSeqNumber;
        }
    }
}
