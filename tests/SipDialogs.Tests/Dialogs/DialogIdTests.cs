using System.Text;
using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

public class DialogIdTests
{
    private const string CallId = "3848276298220188511@atlanta.example.com";

    private static readonly IReadOnlyList<SipMessage> s_flow = CallFlows.Parse(CallFlows.SessionThroughTwoProxies);

    private static SipMessage F(int number) => s_flow[number - 1];

    [Fact]
    public void TheUacTakesTheFromTagAsLocalAndTheToTagAsRemote()
    {
        DialogId id = DialogId.ForUac(F(14));

        Assert.Equal(CallId, id.CallId);
        Assert.Equal("9fxced76sl", id.LocalTag);
        Assert.Equal("314159", id.RemoteTag);
    }

    [Fact]
    public void TheUasTakesTheToTagAsLocalAndTheFromTagAsRemote()
    {
        DialogId id = DialogId.ForUas(F(12));

        Assert.Equal(CallId, id.CallId);
        Assert.Equal("314159", id.LocalTag);
        Assert.Equal("9fxced76sl", id.RemoteTag);
    }

    [Fact]
    public void AliceNamesHerDialogAlikeFromTheAnswerSheGetsAndTheByeSheReceives()
    {
        // F14: the 200 to her INVITE (she is its UAC); F20: Bob's BYE (she is its UAS).
        DialogId fromAnswer = DialogId.ForUac(F(14));
        DialogId fromBye = DialogId.ForUas(F(20));

        Assert.Equal(fromAnswer, fromBye);
        Assert.True(fromAnswer == fromBye);
        Assert.Equal(fromAnswer.GetHashCode(), fromBye.GetHashCode());
    }

    [Fact]
    public void BobNamesHisDialogAlikeFromTheAnswerHeSendsAndTheByeHeSends()
    {
        Assert.Equal(DialogId.ForUas(F(12)), DialogId.ForUac(F(18)));
    }

    [Fact]
    public void TheTwoEndsOfOneDialogHaveUnequalIdentifiers()
    {
        DialogId alice = DialogId.ForUac(F(14));
        DialogId bob = DialogId.ForUas(F(14));

        Assert.NotEqual(alice, bob);
        Assert.True(alice != bob);
        Assert.Equal(alice.LocalTag, bob.RemoteTag);
        Assert.Equal(alice.RemoteTag, bob.LocalTag);
    }

    [Theory]
    [InlineData("other@atlanta.example.com", "9fxced76sl", "314159")]
    [InlineData(CallId, "9fxced76sL", "314159")]
    [InlineData(CallId, "9fxced76sl", "314158")]
    [InlineData(CallId, "9fxced76sl", "")]
    public void IdentifiersDifferingInAnyPartOrInCaseAreUnequal(string callId, string localTag, string remoteTag)
    {
        Assert.NotEqual(new DialogId(CallId, "9fxced76sl", "314159"), new DialogId(callId, localTag, remoteTag));
    }

    [Fact]
    public void TheSameBytesSplitDifferentlyAreDifferentIdentifiers()
    {
        Assert.NotEqual(new DialogId("ab", "c", "d"), new DialogId("a", "bc", "d"));
        Assert.NotEqual(new DialogId("a", "bc", "d"), new DialogId("a", "b", "cd"));
    }

    [Fact]
    public void AnIdentifierMadeFromBytesEqualsOneMadeFromText()
    {
        var fromText = new DialogId(CallId, "9fxced76sl", "314159");
        var fromBytes = new DialogId(Encoding.UTF8.GetBytes(CallId), "9fxced76sl"u8, "314159"u8);

        Assert.Equal(fromText, fromBytes);
        Assert.Equal(fromText.GetHashCode(), fromBytes.GetHashCode());
        Assert.True(fromText.Equals((object)fromBytes));
        Assert.Equal($"{CallId};9fxced76sl;314159", fromText.ToString());
    }

    [Fact]
    public void MatchesComparesTheThreePartsAsSpans()
    {
        DialogId id = DialogId.ForUas(F(20));

        Assert.True(id.Matches(F(20).CallIdBytes, F(20).ToTag, F(20).FromTag));
        Assert.False(id.Matches(F(20).CallIdBytes, F(20).FromTag, F(20).ToTag));
        Assert.False(id.Matches("x"u8, F(20).ToTag, F(20).FromTag));
    }

    [Fact]
    public void TheDefaultIdentifierNamesNoDialog()
    {
        DialogId none = default;

        Assert.True(none.IsDefault);
        Assert.False(new DialogId("c", "l", "r").IsDefault);
        Assert.Equal(default, none);
        Assert.Equal(string.Empty, none.ToString());
        Assert.True(none.CallIdBytes.IsEmpty);
    }

    [Fact]
    public void AnIdentifierNeedsACallId()
    {
        Assert.Throws<ArgumentException>(() => new DialogId(string.Empty, "l", "r"));
    }

    [Fact]
    public void AnIdentifierCarriesTheHashOfItsCallIdWhateverItsTags()
    {
        var id = new DialogId(CallId, "9fxced76sl", "314159");

        Assert.Equal(CallIdHash.Of(Encoding.UTF8.GetBytes(CallId)), id.CallIdHash);
        Assert.Equal(id.CallIdHash, new DialogId(CallId, "other", "").CallIdHash);
        Assert.Equal(id.CallIdHash, DialogId.ForUac(F(14)).CallIdHash);
        Assert.Equal(CallIdHash.Of(default), default(DialogId).CallIdHash);
    }

    [Fact]
    public void ThePartsComeBackAsTheyWentInWhateverTheirLengths()
    {
        string longCallId = new string('c', 300) + "@example.com";
        var id = new DialogId(longCallId, "", new string('r', 1000));

        Assert.Equal(longCallId, id.CallId);
        Assert.Equal(string.Empty, id.LocalTag);
        Assert.Equal(new string('r', 1000), id.RemoteTag);
        Assert.True(id.Matches(Encoding.UTF8.GetBytes(longCallId), default, Encoding.UTF8.GetBytes(new string('r', 1000))));
    }

    [Fact]
    public void TheDefaultIdentifierEqualsNoOtherAndHasNoParts()
    {
        DialogId none = default;
        var some = new DialogId("c", "l", "r");

        Assert.NotEqual(none, some);
        Assert.NotEqual(some, none);
        Assert.True(none.LocalTagBytes.IsEmpty);
        Assert.True(none.RemoteTagBytes.IsEmpty);
        Assert.Equal(0, none.GetHashCode());
    }
}
