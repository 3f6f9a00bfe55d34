using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class TokenListHeaderTests
{
    [Fact]
    public void ParsesTheRfc3261AllowExample()
    {
        // RFC 3261 §20.5
        var methods = new List<string>();

        Assert.True(TokenListHeader.TryParseTokens("INVITE, ACK, OPTIONS, CANCEL, BYE", methods, out _));

        Assert.Equal(["INVITE", "ACK", "OPTIONS", "CANCEL", "BYE"], methods);
        Assert.Same(SipMethods.Invite, methods[0]);
    }

    [Fact]
    public void ParsesASingleOptionTag()
    {
        // RFC 3261 §20.32, §20.37: Require: 100rel / Supported: 100rel
        var tags = new List<string>();

        Assert.True(TokenListHeader.TryParseTokens("100rel", tags, out _));

        Assert.Equal(["100rel"], tags);
    }

    [Fact]
    public void ParsesEventTypesWithTemplates()
    {
        // RFC 6665 §8.2.2 Allow-Events
        var events = new List<string>();

        Assert.True(TokenListHeader.TryParseTokens("refer,presence.winfo ,\tdialog", events, out _));

        Assert.Equal(["refer", "presence.winfo", "dialog"], events);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(",")]
    [InlineData(" , ,")]
    public void AnEmptySupportedGivesNoTokens(string value)
    {
        // RFC 3261 §20.37 allows an empty Supported; empty elements are skipped.
        var tags = new List<string>();

        Assert.True(TokenListHeader.TryParseTokens(value, tags, out _));

        Assert.Empty(tags);
    }

    [Fact]
    public void SkipsEmptyElementsLeftByJoinedRows()
    {
        var tags = new List<string>();

        Assert.True(TokenListHeader.TryParseTokens("timer, , 100rel,", tags, out _));

        Assert.Equal(["timer", "100rel"], tags);
    }

    [Fact]
    public void AppendsToWhatTheListAlreadyHolds()
    {
        var tags = new List<string> { "path" };

        Assert.True(TokenListHeader.TryParseTokens("timer", tags, out _));

        Assert.Equal(["path", "timer"], tags);
    }

    [Theory]
    [InlineData("100rel timer")]
    [InlineData("timer;x=1")]
    [InlineData("\"timer\"")]
    [InlineData("INVITE, <ACK>")]
    [InlineData("tim@r")]
    public void RefusesAnElementThatIsNotAToken(string value)
    {
        var tags = new List<string> { "kept" };

        Assert.False(TokenListHeader.TryParseTokens(value, tags, out SipRejectReason reason));

        Assert.Equal(SipRejectReason.MalformedHeader, reason);
        Assert.Equal(["kept"], tags);
    }

    [Fact]
    public void FormatsTokensAsAHeaderValue()
    {
        Assert.Equal("INVITE, ACK, BYE", TokenListHeader.Format(["INVITE", "ACK", "BYE"]));
        Assert.Equal(string.Empty, TokenListHeader.Format([]));
    }

    [Fact]
    public void FormatRefusesAnElementThatIsNotAToken()
    {
        Assert.Throws<ArgumentException>(() => TokenListHeader.Format(["INVITE", "A CK"]));
    }

    [Fact]
    public void RoundTripsThroughFormat()
    {
        var first = new List<string>();
        var second = new List<string>();

        Assert.True(TokenListHeader.TryParseTokens(" timer ,100rel,replaces , norefersub", first, out _));
        Assert.True(TokenListHeader.TryParseTokens(TokenListHeader.Format(first), second, out _));

        Assert.Equal(first, second);
    }
}
