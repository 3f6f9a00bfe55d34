using System.Globalization;
using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Refer;

/// <summary>
/// How a REFER's implicit subscription ends other than with the referred call's final response (RFC 6665 §4.1.2,
/// §4.2.2): at expiry, on a NOTIFY answered 481, with its dialog, and on a SUBSCRIBE with Expires 0; and how a SUBSCRIBE
/// refreshes it. Each side's subscription count comes back to 0.
/// </summary>
public sealed class SubscriptionLifetimeTests
{
    private static readonly TimeSpan s_timeout = CallTests.Timeout;

    /// <summary>The raw transferor calls the transferee and refers it to carol: the REFER's 202, then its first NOTIFY (100 Trying).</summary>
    private static async Task<SipRequest> ReferCarolAsync(Trio trio, RawTransferor a)
    {
        await a.CallAsync();
        Assert.Equal(202, (await a.AskAsync(SipMethods.Refer, trio.ReferTo("carol"))).StatusCode);
        return await a.RequestAsync(SipMethods.Notify);
    }

    [Fact]
    public async Task ASubscriptionWithoutAFinalReportExpiresWithReasonTimeout()
    {
        var target = new TargetCalls(); // Carol rings until told.
        await using Trio trio = await Trio.StartAsync(target, options =>
        {
            Trio.AcceptReferrals(options);
            options.Transfers.SubscriptionDuration = TimeSpan.FromSeconds(1);
        });
        (Dialog atA, _) = await trio.CallTransfereeAsync();

        Transfer transfer = await atA.ReferAsync(Trio.UriOf(trio.Target, "carol"));
        Assert.Equal(202, (await transfer.Response.WaitAsync(s_timeout)).StatusCode);
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);

        Assert.Equal(TransferResult.Unknown, outcome.Result);
        Assert.Equal("timeout", outcome.SubscriptionReason); // The transferee's terminated;reason=timeout NOTIFY.
        await AssertNoSubscriptionAsync(trio.Transferor, trio.Transferee);
        await target.RingingAsync("carol");
        target.Reject("carol");
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ANotifyAnswered481EndsTheNotifiersSubscription()
    {
        var target = new TargetCalls();
        await using Trio trio = await Trio.StartAsync(target);
        await using var a = new RawTransferor(trio.Transferee);
        SipRequest trying = await ReferCarolAsync(trio, a);
        await a.RespondAsync(trying, 481);

        await AssertNoSubscriptionAsync(trio.Transferee);
        await target.RingingAsync("carol");
        target.Answer("carol");
        await target.HangUpAsync("carol"); // Ringing, answer, BYE: none of it is reported any more.
        Assert.Equal(200, (await a.AskAsync(SipMethods.Options)).StatusCode); // The same dialog, the same shard.
        Assert.False(a.HasReceived(SipMethods.Notify));
        Assert.Equal(200, (await a.AskAsync(SipMethods.Bye)).StatusCode); // RFC 6665 §4.2.2: only the subscription ended.
        await trio.AssertEverythingFreedAsync(a);
    }

    [Fact]
    public async Task ANotifyRefusedAsOutOfOrderIsSentAgainWithANewerCSeq()
    {
        var target = new TargetCalls();
        await using Trio trio = await Trio.StartAsync(target);
        await using var a = new RawTransferor(trio.Transferee);
        SipRequest trying = await ReferCarolAsync(trio, a);
        await a.RespondAsync(trying, 500, "Request Out Of Order"); // As if a later NOTIFY of the dialog had overtaken it.

        SipRequest again = await a.RequestAsync(SipMethods.Notify);
        Assert.True(again.CSeqNumber > trying.CSeqNumber, $"CSeq {again.CSeqNumber} after {trying.CSeqNumber}");
        Assert.Equal(trying.Event?.Id, again.Event?.Id);
        // The state goes again as it is now: still 100 Trying, or 180 if the target began ringing meanwhile.
        Assert.Contains(RawTransferor.ReportOf(again), new[] { 100, 180 });
        Assert.True(again.SubscriptionState!.IsActive);
        await a.RespondAsync(again);

        await target.RingingAsync("carol");
        target.Answer("carol");
        SipRequest final = await a.RequestAsync(SipMethods.Notify);
        while (!final.SubscriptionState!.IsTerminated)
        {
            Assert.Equal(180, RawTransferor.ReportOf(final));
            await a.RespondAsync(final);
            final = await a.RequestAsync(SipMethods.Notify);
        }

        Assert.Equal(200, RawTransferor.ReportOf(final));
        await a.RespondAsync(final);
        await target.HangUpAsync("carol");
        Assert.Equal(200, (await a.AskAsync(SipMethods.Bye)).StatusCode);
        await trio.AssertEverythingFreedAsync(a);
    }

    [Fact]
    public async Task TheEndOfTheDialogFreesTheSubscriptionsOnBothSides()
    {
        var target = new TargetCalls();
        await using Trio trio = await Trio.StartAsync(target);
        (Dialog atA, _) = await trio.CallTransfereeAsync();

        Transfer transfer = await atA.ReferAsync(Trio.UriOf(trio.Target, "carol"));
        Assert.Equal(202, (await transfer.Response.WaitAsync(s_timeout)).StatusCode);
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(s_timeout)).StatusCode); // While the target still rings.
        TransferOutcome outcome = await transfer.Completion.WaitAsync(s_timeout);

        Assert.Equal(TransferResult.Unknown, outcome.Result);
        Assert.Equal("dialog-ended", outcome.SubscriptionReason);
        await AssertNoSubscriptionAsync(trio.Transferor, trio.Transferee);
        await target.RingingAsync("carol");
        target.Reject("carol");
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ASubscribeRefreshesTheReferSubscriptionAndExpiresZeroEndsIt()
    {
        var target = new TargetCalls();
        await using Trio trio = await Trio.StartAsync(target);
        await using var a = new RawTransferor(trio.Transferee);
        (uint id, string referEvent) = await ReferOutsideADialogAsync(trio, a);
        Assert.Equal(100, RawTransferor.ReportOf(await a.NotifyAsync(id)));
        await target.RingingAsync("carol");
        Assert.Equal(180, RawTransferor.ReportOf(await a.NotifyAsync(id)));

        SipResponse unknown = await a.AskAsync(SipMethods.Subscribe, "Event: refer;id=999", "Expires: 30");
        SipResponse refreshed = await a.AskAsync(SipMethods.Subscribe, referEvent, "Expires: 30");
        SipRequest current = await a.NotifyAsync(id);

        Assert.Equal(481, unknown.StatusCode);
        Assert.Equal("Subscription Does Not Exist", unknown.ReasonPhrase);
        Assert.Equal(200, refreshed.StatusCode);
        Assert.Equal(30u, refreshed.Expires);
        Assert.True(current.SubscriptionState!.IsActive);
        Assert.InRange(current.SubscriptionState.Expires ?? 0, 1u, 30u);
        Assert.Equal(180, RawTransferor.ReportOf(current)); // RFC 6665 §4.2.1.2: a NOTIFY of the current state.

        SipResponse unsubscribed = await a.AskAsync(SipMethods.Subscribe, referEvent, "Expires: 0");
        SipRequest last = await a.NotifyAsync(id);

        Assert.Equal(200, unsubscribed.StatusCode);
        Assert.Equal(0u, unsubscribed.Expires);
        Assert.True(last.SubscriptionState!.IsTerminated);
        Assert.Equal("timeout", last.SubscriptionState.Reason);
        await AssertNoSubscriptionAsync(trio.Transferee);
        target.Reject("carol");
        await trio.AssertEverythingFreedAsync(a);
    }

    [Fact]
    public async Task ANotifyNamingASubscriptionThisEndNotifiesIsRefused481AndTheSubscriptionLivesOn()
    {
        var target = new TargetCalls();
        await using Trio trio = await Trio.StartAsync(target);
        await using var a = new RawTransferor(trio.Transferee);
        (uint id, string referEvent) = await ReferOutsideADialogAsync(trio, a);
        Assert.Equal(100, RawTransferor.ReportOf(await a.NotifyAsync(id)));

        // The transferee notifies for this id; a NOTIFY is only for a subscriber's usage (RFC 6665 §4.1.3).
        SipResponse crossed = await a.AskAsync(SipMethods.Notify, referEvent, "Subscription-State: active;expires=60");

        Assert.Equal(481, crossed.StatusCode);
        Assert.Equal("Subscription Does Not Exist", crossed.ReasonPhrase);
        Assert.Equal(1, trio.Transferee.SubscriptionCount);
        SipResponse unsubscribed = await a.AskAsync(SipMethods.Subscribe, referEvent, "Expires: 0");
        Assert.Equal(200, unsubscribed.StatusCode);
        SipRequest last;
        do
        {
            last = await a.NotifyAsync(id); // A report of carol's ringing may come before the last one.
        }
        while (!last.SubscriptionState!.IsTerminated);

        await AssertNoSubscriptionAsync(trio.Transferee);
        target.Reject("carol");
        await trio.AssertEverythingFreedAsync(a);
    }

    /// <summary>A REFER to carol from outside any dialog, accepted 202: the subscription's id and its Event header.</summary>
    private static async Task<(uint Id, string ReferEvent)> ReferOutsideADialogAsync(Trio trio, RawTransferor a)
    {
        SipResponse accepted = await a.AskAsync(SipMethods.Refer, trio.ReferTo("carol"));
        Assert.Equal(202, accepted.StatusCode);
        a.Dialog.RemoteTag = Encoding.ASCII.GetString(accepted.ToTag);
        uint id = a.Dialog.CSeq;
        return (id, "Event: refer;id=" + id.ToString(CultureInfo.InvariantCulture));
    }

    private static async Task AssertNoSubscriptionAsync(params SipStack[] stacks)
    {
        foreach (SipStack stack in stacks)
        {
            await Poll.UntilAsync(() => stack.SubscriptionCount == 0, s_timeout, $"subscriptions {stack.SubscriptionCount}");
        }
    }
}
