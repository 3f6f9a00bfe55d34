using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// Dialog state from RFC 3665 §3.2 (Alice calls Bob through two record-routing proxies): Alice is the UAC of the
/// INVITE (F4 sent, F11 and F14 received), Bob its UAS (F7 received, F9 and F12 sent); Bob hangs up (F18 sent, F20
/// received by Alice).
/// </summary>
public class DialogTests
{
    private const string CallId = "3848276298220188511@atlanta.example.com";
    private const string Ss1 = "<sip:ss1.atlanta.example.com;lr>";
    private const string Ss2 = "<sip:ss2.biloxi.example.com;lr>";

    private static readonly IReadOnlyList<SipMessage> s_flow = CallFlows.Parse(CallFlows.SessionThroughTwoProxies);

    private static SipRequest Request(int number) => Assert.IsType<SipRequest>(s_flow[number - 1]);

    private static SipResponse Response(int number) => Assert.IsType<SipResponse>(s_flow[number - 1]);

    private static Dialog Alice(int responseNumber = 14)
    {
        Assert.True(Dialog.TryCreateAsUac(Request(4), Response(responseNumber), overTls: false, out Dialog? dialog));
        return dialog;
    }

    private static Dialog Bob(int responseNumber = 12)
    {
        Assert.True(Dialog.TryCreateAsUas(Request(7), Response(responseNumber), overTls: false, out Dialog? dialog));
        return dialog;
    }

    [Fact]
    public void TheUasDialogTakesTheRecordRouteInOrderAndTheCallersContactAsTarget()
    {
        Dialog bob = Bob(responseNumber: 9);

        Assert.False(bob.IsUac);
        Assert.Equal(DialogState.Early, bob.State);
        Assert.Equal(new DialogId(CallId, "314159", "9fxced76sl"), bob.Id);
        Assert.Equal([Ss2, Ss1], bob.RouteSet);
        Assert.Equal("sip:alice@client.atlanta.example.com;transport=tcp", bob.RemoteTarget);
        Assert.Equal("Bob <sip:bob@biloxi.example.com>", bob.LocalUri);
        Assert.Equal("Alice <sip:alice@atlanta.example.com>", bob.RemoteUri);
        Assert.Equal("<sip:bob@client.biloxi.example.com;transport=tcp>", bob.LocalContact);
        Assert.Equal(2u, bob.RemoteCSeq);
        Assert.Null(bob.LocalCSeq);
        Assert.False(bob.IsSecure);
    }

    [Fact]
    public void TheUasDialogMadeWithA2xxIsConfirmed()
    {
        Assert.Equal(DialogState.Confirmed, Bob(responseNumber: 12).State);
    }

    [Fact]
    public void TheUacDialogTakesTheRecordRouteReversedAndTheAnswerersContactAsTarget()
    {
        Dialog alice = Alice(responseNumber: 11);

        Assert.True(alice.IsUac);
        Assert.Equal(DialogState.Early, alice.State);
        Assert.Equal(new DialogId(CallId, "9fxced76sl", "314159"), alice.Id);
        Assert.Equal([Ss1, Ss2], alice.RouteSet);
        Assert.Equal("sip:bob@client.biloxi.example.com;transport=tcp", alice.RemoteTarget);
        Assert.Equal("Alice <sip:alice@atlanta.example.com>", alice.LocalUri);
        Assert.Equal("Bob <sip:bob@biloxi.example.com>", alice.RemoteUri);
        Assert.Equal("<sip:alice@client.atlanta.example.com;transport=tcp>", alice.LocalContact);
        Assert.Equal(2u, alice.LocalCSeq);
        Assert.Null(alice.RemoteCSeq);
    }

    [Fact]
    public void TheUacDialogMadeWithA2xxIsConfirmed()
    {
        Assert.Equal(DialogState.Confirmed, Alice(responseNumber: 14).State);
    }

    [Theory]
    [InlineData(6)] // 100 Trying: no To tag
    [InlineData(2)] // 407: final, not 2xx
    public void AResponseThatIsNotA1xxWithATagOrA2xxMakesNoUacDialog(int responseNumber)
    {
        Assert.False(Dialog.TryCreateAsUac(Request(responseNumber == 2 ? 1 : 4), Response(responseNumber), overTls: false, out _));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(300)]
    [InlineData(486)]
    public void AUasResponseOtherThanA1xxOrA2xxMakesNoDialog(int status)
    {
        Assert.False(Dialog.TryCreateAsUas(Request(7), status, "b1", DialogMessages.BobContact, overTls: false, out _));
    }

    [Fact]
    public void TheEarlyUacDialogIsConfirmedByThe2xx()
    {
        Dialog alice = Alice(responseNumber: 11);

        alice.ReceiveResponse(Response(14));

        Assert.Equal(DialogState.Confirmed, alice.State);
        Assert.Equal([Ss1, Ss2], alice.RouteSet);
    }

    [Fact]
    public void The2xxRecomputesTheRouteSetAndTargetOfAnEarlyUacDialog()
    {
        SipRequest invite = DialogMessages.Invite("recompute");
        Assert.True(Dialog.TryCreateAsUac(invite, DialogMessages.Answer(invite, 180, "b1", contact: null), overTls: false, out Dialog? dialog));
        Assert.Empty(dialog.RouteSet);
        Assert.Equal("sip:bob@biloxi.example.com", dialog.RemoteTarget);

        dialog.ReceiveResponse(DialogMessages.Answer(invite, 200, "b1", "<sip:bob@192.0.2.4>", recordRoute: "<sip:p2.example.com;lr>, <sip:p1.example.com;lr>"));

        Assert.Equal(DialogState.Confirmed, dialog.State);
        Assert.Equal(["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"], dialog.RouteSet);
        Assert.Equal("sip:bob@192.0.2.4", dialog.RemoteTarget);
    }

    [Fact]
    public void AFinalNon2xxToTheInviteTerminatesAnEarlyDialog()
    {
        Dialog alice = Alice(responseNumber: 11);

        alice.ReceiveResponse(DialogMessages.Answer(Request(4), 486, "314159"));

        Assert.Equal(DialogState.Terminated, alice.State);
    }

    [Fact]
    public void TheUasEarlyDialogIsConfirmedWhenItSendsA2xx()
    {
        Dialog bob = Bob(responseNumber: 9);

        bob.ResponseSent(180, SipMethods.Invite);
        Assert.Equal(DialogState.Early, bob.State);
        bob.ResponseSent(200, SipMethods.Invite);

        Assert.Equal(DialogState.Confirmed, bob.State);
    }

    [Fact]
    public void TheUasEarlyDialogIsTerminatedWhenItSendsANon2xxFinal()
    {
        Dialog bob = Bob(responseNumber: 9);

        bob.ResponseSent(486, SipMethods.Invite);

        Assert.Equal(DialogState.Terminated, bob.State);
    }

    [Fact]
    public void ARequestWithALowerCSeqThanTheRemoteCSeqIsOutOfOrderAndChangesNothing()
    {
        Dialog bob = Bob();

        SipRequest stale = DialogMessages.InDialog(SipMethods.Info, 1, CallId, "9fxced76sl", "314159");

        Assert.Equal(InDialogRequestResult.OutOfOrder, bob.ReceiveRequest(stale));
        Assert.Equal(2u, bob.RemoteCSeq);
        Assert.Equal(DialogState.Confirmed, bob.State);
    }

    [Fact]
    public void TheAckWithTheInvitesCSeqIsInOrder()
    {
        Dialog bob = Bob();

        Assert.Equal(InDialogRequestResult.Accepted, bob.ReceiveRequest(Request(17)));
        Assert.Equal(2u, bob.RemoteCSeq);
        Assert.Equal(DialogState.Confirmed, bob.State);
    }

    [Fact]
    public void AHigherCSeqIsAcceptedAndBecomesTheRemoteCSeq()
    {
        Dialog bob = Bob();

        Assert.Equal(InDialogRequestResult.Accepted, bob.ReceiveRequest(DialogMessages.InDialog(SipMethods.Info, 7, CallId, "9fxced76sl", "314159")));

        Assert.Equal(7u, bob.RemoteCSeq);
    }

    [Fact]
    public void TheFirstRequestAUacReceivesSetsItsEmptyRemoteCSeqAndAByeTerminates()
    {
        Dialog alice = Alice();

        Assert.Equal(InDialogRequestResult.Accepted, alice.ReceiveRequest(Request(20)));

        Assert.Equal(1u, alice.RemoteCSeq);
        Assert.Equal(DialogState.Terminated, alice.State);
    }

    [Fact]
    public void AReInviteWithAContactRefreshesTheRemoteTarget()
    {
        Dialog bob = Bob();

        bob.ReceiveRequest(DialogMessages.InDialog(SipMethods.Invite, 3, CallId, "9fxced76sl", "314159", "<sip:alice@192.0.2.99:5070>"));

        Assert.Equal("sip:alice@192.0.2.99:5070", bob.RemoteTarget);
    }

    [Fact]
    public void AnUpdateWithAContactRefreshesTheRemoteTarget()
    {
        Dialog bob = Bob();

        bob.ReceiveRequest(DialogMessages.InDialog(SipMethods.Update, 3, CallId, "9fxced76sl", "314159", "<sip:alice@192.0.2.98>"));

        Assert.Equal("sip:alice@192.0.2.98", bob.RemoteTarget);
    }

    [Fact]
    public void AnInfoWithAContactIsNoTargetRefresh()
    {
        Dialog bob = Bob();

        bob.ReceiveRequest(DialogMessages.InDialog(SipMethods.Info, 3, CallId, "9fxced76sl", "314159", "<sip:alice@192.0.2.97>"));

        Assert.Equal("sip:alice@client.atlanta.example.com;transport=tcp", bob.RemoteTarget);
    }

    [Fact]
    public void The2xxToAReInviteRefreshesTheRemoteTarget()
    {
        Dialog alice = Alice();
        SipRequest reInvite = DialogMessages.Sent(alice.CreateRequest(SipMethods.Invite));

        alice.ReceiveResponse(DialogMessages.Answer(reInvite, 200, "314159", "<sip:bob@192.0.2.55>"));

        Assert.Equal("sip:bob@192.0.2.55", alice.RemoteTarget);
        Assert.Equal(DialogState.Confirmed, alice.State);
    }

    [Fact]
    public void AnErrorToAReInviteLeavesTheTargetAndTheDialog()
    {
        Dialog alice = Alice();
        SipRequest reInvite = DialogMessages.Sent(alice.CreateRequest(SipMethods.Invite));

        alice.ReceiveResponse(DialogMessages.Answer(reInvite, 488, "314159", "<sip:bob@192.0.2.55>"));

        Assert.Equal("sip:bob@client.biloxi.example.com;transport=tcp", alice.RemoteTarget);
        Assert.Equal(DialogState.Confirmed, alice.State);
    }

    [Theory]
    [InlineData(481)]
    [InlineData(408)]
    public void A481Or408ToARequestInTheDialogTerminatesIt(int status)
    {
        Dialog alice = Alice();
        SipRequest info = DialogMessages.Sent(alice.CreateRequest(SipMethods.Info));

        alice.ReceiveResponse(DialogMessages.Answer(info, status, "314159"));

        Assert.Equal(DialogState.Terminated, alice.State);
    }

    [Fact]
    public void TheResponseToAByeTerminatesTheDialog()
    {
        Dialog alice = Alice();
        SipRequest bye = DialogMessages.Sent(alice.CreateRequest(SipMethods.Bye));

        alice.ReceiveResponse(DialogMessages.Answer(bye, 200, "314159"));

        Assert.Equal(DialogState.Terminated, alice.State);
    }

    [Fact]
    public void TheUasBuildsTheByeOfRfc3665F18()
    {
        Dialog bob = Bob();
        SipRequest expected = Request(18);

        SipRequest bye = DialogMessages.Sent(bob.CreateRequest(SipMethods.Bye), "z9hG4bKnashds7");

        Assert.Equal(SipMethods.Bye, bye.Method);

        // The Request-URI is the remote target, Alice's Contact URI whole (RFC 3261 §12.2.1.1); the RFC 3665
        // example leaves out its transport parameter.
        Assert.Equal(expected.RequestUriText + ";transport=tcp", bye.RequestUriText);
        Assert.Equal(Texts(expected.Route), Texts(bye.Route));
        Assert.Equal(expected.GetHeaderValue(SipHeaderKind.From), bye.GetHeaderValue(SipHeaderKind.From));
        Assert.Equal(expected.GetHeaderValue(SipHeaderKind.To), bye.GetHeaderValue(SipHeaderKind.To));
        Assert.Equal(expected.CallId, bye.CallId);
        Assert.Equal((1u, SipMethods.Bye), (bye.CSeqNumber, bye.CSeqMethod));
        Assert.Equal(70, bye.MaxForwards);
        Assert.Equal(-1, bye.IndexOfHeader(SipHeaderKind.Contact));
        Assert.Equal(1u, bob.LocalCSeq);
        Assert.Equal(bob.Id, DialogId.ForUac(bye));
    }

    [Fact]
    public void TheUacBuildsTheAckOfRfc3665F15WithoutMovingItsCSeq()
    {
        Dialog alice = Alice();
        SipRequest expected = Request(15);

        SipRequest ack = DialogMessages.Sent(alice.CreateAck(2), "z9hG4bK74b76");

        Assert.Equal(expected.RequestUriText + ";transport=tcp", ack.RequestUriText); // As for the BYE of F18.
        Assert.Equal(Texts(expected.Route), Texts(ack.Route));
        Assert.Equal(expected.GetHeaderValue(SipHeaderKind.From), ack.GetHeaderValue(SipHeaderKind.From));
        Assert.Equal(expected.GetHeaderValue(SipHeaderKind.To), ack.GetHeaderValue(SipHeaderKind.To));
        Assert.Equal((2u, SipMethods.Ack), (ack.CSeqNumber, ack.CSeqMethod));
        Assert.Equal(2u, alice.LocalCSeq);
    }

    [Fact]
    public void TheUacsNextRequestTakesTheNextLocalCSeq()
    {
        Dialog alice = Alice();

        SipRequest bye = DialogMessages.Sent(alice.CreateRequest(SipMethods.Bye));

        Assert.Equal((3u, SipMethods.Bye), (bye.CSeqNumber, bye.CSeqMethod));
        Assert.Equal(3u, alice.LocalCSeq);
        Assert.Equal("sip:bob@client.biloxi.example.com;transport=tcp", bye.RequestUriText);
    }

    [Fact]
    public void TheCancelOfAReInviteTakesItsCSeq()
    {
        Dialog alice = Alice();
        SipRequest reInvite = DialogMessages.Sent(alice.CreateRequest(SipMethods.Invite));

        SipRequest cancel = DialogMessages.Sent(alice.CreateCancel(reInvite.CSeqNumber));

        Assert.Equal((3u, SipMethods.Cancel), (cancel.CSeqNumber, cancel.CSeqMethod));
        Assert.Equal(reInvite.RequestUriText, cancel.RequestUriText);
        Assert.Equal(3u, alice.LocalCSeq);
    }

    [Fact]
    public void ATargetRefreshRequestCarriesTheLocalContact()
    {
        Dialog alice = Alice();

        SipRequest reInvite = DialogMessages.Sent(alice.CreateRequest(SipMethods.Invite));

        Assert.Equal("<sip:alice@client.atlanta.example.com;transport=tcp>", reInvite.GetHeaderValue(SipHeaderKind.Contact));
    }

    [Fact]
    public void AStrictFirstRouteBecomesTheRequestUriAndTheRemoteTargetTheLastRoute()
    {
        // The response's Record-Route, reversed for the UAC: the strict router p1 comes first.
        SipRequest invite = DialogMessages.Invite("strict");
        SipResponse ok = DialogMessages.Answer(
            invite, 200, "b1", "<sip:bob@192.0.2.4>", recordRoute: "<sip:p2.example.com;lr>, <sip:p1.example.com;transport=tcp;method=INVITE>");
        Assert.True(Dialog.TryCreateAsUac(invite, ok, overTls: false, out Dialog? dialog));

        SipRequest bye = DialogMessages.Sent(dialog.CreateRequest(SipMethods.Bye));

        Assert.Equal("sip:p1.example.com;transport=tcp", bye.RequestUriText);
        Assert.Equal(["<sip:p2.example.com;lr>", "<sip:bob@192.0.2.4>"], Texts(bye.Route));
    }

    [Fact]
    public void ALooseFirstRouteLeavesTheRemoteTargetAsRequestUri()
    {
        SipRequest invite = DialogMessages.Invite("loose");
        SipResponse ok = DialogMessages.Answer(invite, 200, "b1", "<sip:bob@192.0.2.4>", recordRoute: "<sip:p2.example.com>, <sip:p1.example.com;lr>");
        Assert.True(Dialog.TryCreateAsUac(invite, ok, overTls: false, out Dialog? dialog));

        SipRequest bye = DialogMessages.Sent(dialog.CreateRequest(SipMethods.Bye));

        Assert.Equal("sip:bob@192.0.2.4", bye.RequestUriText);
        Assert.Equal(["<sip:p1.example.com;lr>", "<sip:p2.example.com>"], Texts(bye.Route));
    }

    [Fact]
    public void ADialogWithoutRoutesSendsStraightToTheRemoteTarget()
    {
        SipRequest invite = DialogMessages.Invite("direct");
        Assert.True(Dialog.TryCreateAsUas(invite, 200, "b1", DialogMessages.BobContact, overTls: false, out Dialog? dialog));

        SipRequest bye = DialogMessages.Sent(dialog.CreateRequest(SipMethods.Bye));

        Assert.Equal("sip:alice@client.atlanta.example.com", bye.RequestUriText);
        Assert.Equal(-1, bye.IndexOfHeader(SipHeaderKind.Route));
        Assert.Equal("Bob <sip:bob@biloxi.example.com>;tag=b1", bye.GetHeaderValue(SipHeaderKind.From));
        Assert.Equal("Alice <sip:alice@atlanta.example.com>;tag=a1", bye.GetHeaderValue(SipHeaderKind.To));
    }

    [Fact]
    public void ACallerWithoutAFromTagGetsRequestsWithoutAToTag()
    {
        SipRequest invite = (SipRequest)SipMessageBuilder.Request(SipMethods.Invite, "sip:bob@biloxi.example.com")
            .Add(SipHeaderKind.Via, "SIP/2.0/UDP old.example.com;branch=z9hG4bKold")
            .Add(SipHeaderKind.From, "<sip:carol@example.com>")
            .Add(SipHeaderKind.To, "<sip:bob@biloxi.example.com>")
            .Add(SipHeaderKind.CallId, "no-from-tag")
            .Add(SipHeaderKind.CSeq, "1 INVITE")
            .Add(SipHeaderKind.Contact, "<sip:carol@192.0.2.7>")
            .Build();
        Assert.True(Dialog.TryCreateAsUas(invite, 200, "b1", DialogMessages.BobContact, overTls: false, out Dialog? dialog));

        SipRequest bye = DialogMessages.Sent(dialog.CreateRequest(SipMethods.Bye));

        Assert.Equal("<sip:carol@example.com>", bye.GetHeaderValue(SipHeaderKind.To));
        Assert.Equal(string.Empty, dialog.Id.RemoteTag);
    }

    [Theory]
    [InlineData("sips:bob@biloxi.example.com", true, true)]
    [InlineData("SIPS:bob@biloxi.example.com", true, true)]
    [InlineData("sips:bob@biloxi.example.com", false, false)]
    [InlineData("sip:bob@biloxi.example.com", true, false)]
    public void TheSecureFlagNeedsASipsRequestUriAndTls(string requestUri, bool overTls, bool secure)
    {
        SipRequest invite = DialogMessages.Invite("secure", requestUri: requestUri);

        Assert.True(Dialog.TryCreateAsUas(invite, 200, "b1", DialogMessages.BobContact, overTls, out Dialog? uas));
        Assert.True(Dialog.TryCreateAsUac(invite, DialogMessages.Answer(invite, 200, "b1"), overTls, out Dialog? uac));

        Assert.Equal(secure, uas.IsSecure);
        Assert.Equal(secure, uac.IsSecure);
    }

    [Fact]
    public void AckAndCancelAreNotBuiltWithANewCSeq()
    {
        Dialog alice = Alice();

        Assert.Throws<ArgumentException>(() => alice.CreateRequest(SipMethods.Ack));
        Assert.Throws<ArgumentException>(() => alice.CreateRequest(SipMethods.Cancel));
        Assert.Equal(2u, alice.LocalCSeq);
    }

    [Fact]
    public void NoRequestIsBuiltInATerminatedDialog()
    {
        Dialog alice = Alice();
        alice.Terminate();

        Assert.Throws<InvalidOperationException>(() => alice.CreateRequest(SipMethods.Bye));
    }

    private static string[] Texts(IReadOnlyList<NameAddress> routes)
    {
        string[] texts = new string[routes.Count];
        for (int i = 0; i < texts.Length; i++)
        {
            texts[i] = routes[i].ToString();
        }

        return texts;
    }
}
