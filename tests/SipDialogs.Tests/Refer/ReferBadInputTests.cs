using System.Globalization;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;

namespace SipDialogs.Tests.Refer;

/// <summary>
/// REFER and NOTIFY the stack must refuse, or must take in their less common forms, sent by a raw Agent A: each answer's
/// status and reason phrase, and that nothing else is disturbed (a call made afterwards is served, a dialog the bad
/// request came in lives on, everything is freed).
/// </summary>
public sealed class ReferBadInputTests
{
    private const string Sipfrag = "message/sipfrag;version=2.0";

    [Theory]
    [InlineData(false, "", "Missing Refer-To Header")]
    [InlineData(false, "Refer-To: <sip:carol@127.0.0.1>|Refer-To: <sip:carol@127.0.0.1>", "More Than One Refer-To Header")]
    [InlineData(false, "Refer-To: <sip:carol@127.0.0.1>|Refer-To: <sip:dave@127.0.0.1>", "Duplicate Refer-To")]
    [InlineData(false, "Refer-To: <http://example.com/x>", "Unsupported Refer-To URI Scheme")]
    [InlineData(false, "Refer-To: <sip:c@127.0.0.1?Replaces=abc%3Bto-tag>", "Bad Replaces In Refer-To")]
    [InlineData(true, "", "Missing Refer-To Header")]
    [InlineData(true, "Refer-To: <sip:carol@127.0.0.1>|Refer-To: <sip:carol@127.0.0.1>", "More Than One Refer-To Header")]
    [InlineData(true, "Refer-To: <sip:carol@127.0.0.1>|Refer-To: <sip:dave@127.0.0.1>", "Duplicate Refer-To")]
    [InlineData(true, "Refer-To: <http://example.com/x>", "Unsupported Refer-To URI Scheme")]
    [InlineData(true, "Refer-To: <sip:c@127.0.0.1?Replaces=abc%3Bto-tag>", "Bad Replaces In Refer-To")]
    // Two different Refer-To values are refused by the message's own validation, which runs first (RFC 3261 §7.3.1).
    public async Task ABadReferIsAnswered400AndDisturbsNothingElse(bool inDialog, string referTo, string reason)
    {
        await using Trio trio = await Trio.StartAsync(transferee: Trio.AcceptReferrals);
        await using var a = new RawTransferor(trio.Transferee);
        if (inDialog)
        {
            await a.CallAsync();
        }

        SipResponse answer = await a.AskAsync(SipMethods.Refer, referTo.Split('|', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(400, answer.StatusCode);
        Assert.Equal(reason, answer.ReasonPhrase);
        Assert.Equal(0, trio.Transferee.SubscriptionCount);
        if (inDialog)
        {
            Assert.Equal(200, (await a.AskAsync(SipMethods.Bye)).StatusCode); // The call lives on.
        }

        await AssertServesACallAsync(trio, a);
        Assert.False(trio.Received.ContainsKey(trio.Target)); // Nobody was called on the bad REFER's word.
    }

    [Theory]
    [InlineData("Event: refer;id=999", 481, "Subscription Does Not Exist")]
    [InlineData(null, 400, "Missing Event Header")]
    [InlineData("Event: presence", 489, "Bad Event")]
    public async Task ANotifyForNoSubscriptionOfTheDialogIsRefusedAndTheCallLivesOn(string? eventHeader, int status, string reason)
    {
        await using Trio trio = await Trio.StartAsync(transferee: Trio.AcceptReferrals);
        await using var a = new RawTransferor(trio.Transferee);
        await a.CallAsync();
        string[] headers = eventHeader is null ? ["Subscription-State: active;expires=60"] : [eventHeader, "Subscription-State: active;expires=60"];

        await a.SendAsync(a.Compose(SipMethods.Notify, headers, Sipfrag, "SIP/2.0 100 Trying\r\n"));
        SipResponse answer = await a.FinalResponseAsync(a.Dialog.CSeq, SipMethods.Notify);

        Assert.Equal(status, answer.StatusCode);
        Assert.Equal(reason, answer.ReasonPhrase);
        if (status == 489)
        {
            Assert.Equal("refer", answer.GetHeaderValue(SipHeaderKind.AllowEvents)); // RFC 6665 §8.3.1
        }

        Assert.Equal(200, (await a.AskAsync(SipMethods.Bye)).StatusCode);
        await AssertServesACallAsync(trio, a);
    }

    [Fact]
    public async Task AReferWithReferSubFalseIsAcceptedWithoutNotifyAndTheCallStillHappens()
    {
        var target = new TargetCalls();
        target.Answer("carol");
        await using Trio trio = await Trio.StartAsync(target);
        await using var a = new RawTransferor(trio.Transferee);

        SipResponse accepted = await a.AskAsync(
            SipMethods.Refer, trio.ReferTo("carol"), "Require: norefersub", "Refer-Sub: false");

        Assert.Equal(202, accepted.StatusCode);
        Assert.Equal("false", accepted.GetHeaderValue(SipHeaderKind.ReferSub)); // RFC 4488 §4
        Assert.Equal(0, trio.Transferee.SubscriptionCount);
        await target.HangUpAsync("carol"); // The referred call happened.

        // Same Call-ID, so the same shard: a NOTIFY the REFER made would have left before this answer.
        Assert.Equal(200, (await a.AskAsync(SipMethods.Options)).StatusCode);
        Assert.False(a.HasReceived(SipMethods.Notify));
        await trio.AssertEverythingFreedAsync(a);
    }

    [Fact]
    public async Task AReferRequiringTdialogThatNamesTheCallIsAccepted()
    {
        var target = new TargetCalls();
        target.Answer("carol");
        await using Trio trio = await Trio.StartAsync(target);
        await using var a = new RawTransferor(trio.Transferee);
        await a.CallAsync();
        RawDialog call = a.Dialog;
        a.Dialog = new RawDialog(); // RFC 4538 §4: the REFER goes outside the dialog it names.

        SipResponse accepted = await a.AskAsync(
            SipMethods.Refer,
            trio.ReferTo("carol"),
            string.Create(CultureInfo.InvariantCulture, $"Target-Dialog: {call.CallId};local-tag={call.RemoteTag};remote-tag={RawTransferor.Tag}"),
            "Require: tdialog");

        Assert.Equal(202, accepted.StatusCode);
        Assert.Equal(100, RawTransferor.ReportOf(await a.NotifyAsync()));
        SipRequest done = await a.NotifyAsync();
        Assert.Equal(200, RawTransferor.ReportOf(done));
        Assert.Equal("noresource", done.SubscriptionState!.Reason);
        await target.HangUpAsync("carol");
        a.Dialog = call;
        Assert.Equal(200, (await a.AskAsync(SipMethods.Bye)).StatusCode);
        await trio.AssertEverythingFreedAsync(a);
    }

    /// <summary>A call from the trio's transferor to the stack under test is answered and ended; then everything is freed.</summary>
    private static async Task AssertServesACallAsync(Trio trio, RawTransferor a)
    {
        (Dialog atA, _) = await trio.CallTransfereeAsync();
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(CallTests.Timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync(a);
    }
}
